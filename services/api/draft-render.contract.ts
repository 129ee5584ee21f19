import type { CompiledEmail, ContentSettingsData, EmailDraft } from '../../lib/domain/email/email-check';
import type { TemplateIssue } from '../../lib/domain/email/merge-fields';
import type { MergeContext } from '../../lib/domain/email/merge-template';

/**
 * What the API's draft-render thread (draft-render.worker.ts) is asked and answers. `check` is the go-live error
 * check (MJML compiled once); `render` runs the same check and then renders the draft for one contact within a
 * size budget. Both cross a thread boundary, so each side checks what it receives.
 */
/** The field a page job's problems name (the page definition's content). */
export const PAGE_CONTENT = 'definition.content';

/** The thread's first message, once its modules are loaded. */
export const DRAFT_THREAD_READY = 'ready';

export type DraftJob =
  | { id: number; kind: 'check'; draft: EmailDraft; content: ContentSettingsData | null }
  | {
      id: number;
      kind: 'render';
      draft: EmailDraft;
      content: ContentSettingsData | null;
      context: MergeContext;
      maxChars: number;
    }
  /** a page at go-live: MJML compiled (when it is MJML), then its active content removed */
  | { id: number; kind: 'page'; content_type: 'mjml' | 'html'; content: string };

export type DraftReply =
  | { id: number; kind: 'checked'; issues: TemplateIssue[]; compiled: CompiledEmail | null }
  | { id: number; kind: 'rendered'; subject: string; from_name: string; html: string }
  | { id: number; kind: 'page'; html: string }
  /** the check passed, rendering did not: over the size budget, or a merge field that fails at render time */
  | { id: number; kind: 'refused'; issues: TemplateIssue[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringRecord = (value: unknown, keys: readonly string[]): boolean =>
  isObject(value) && keys.every((key) => typeof value[key] === 'string');
const isIssues = (value: unknown): value is TemplateIssue[] =>
  Array.isArray(value) && value.every((issue) => isStringRecord(issue, ['field', 'message']));

function isCompiled(value: unknown): value is CompiledEmail | null {
  if (value === null) return true;
  return (
    isObject(value) &&
    typeof value.html === 'string' &&
    Array.isArray(value.links) &&
    value.links.every((link) => isStringRecord(link, ['link_id', 'url', 'kind', 'label']))
  );
}

export function isDraftReply(value: unknown): value is DraftReply {
  if (!isObject(value) || typeof value.id !== 'number') return false;
  switch (value.kind) {
    case 'checked':
      return isIssues(value.issues) && isCompiled(value.compiled);
    case 'rendered':
      return isStringRecord(value, ['subject', 'from_name', 'html']);
    case 'page':
      return typeof value.html === 'string';
    case 'refused':
      return isIssues(value.issues);
    default:
      return false;
  }
}

/** The draft is JSON from PostgreSQL: its text fields are checked by the error check itself, its shape here. */
export function isDraftJob(value: unknown): value is DraftJob {
  if (isObject(value) && value.kind === 'page')
    return (
      typeof value.id === 'number' &&
      (value.content_type === 'mjml' || value.content_type === 'html') &&
      typeof value.content === 'string'
    );
  if (!isObject(value) || typeof value.id !== 'number' || !isObject(value.draft)) return false;
  if (value.content !== null && !isObject(value.content)) return false;
  if (value.kind === 'check') return true;
  return value.kind === 'render' && isObject(value.context) && typeof value.maxChars === 'number';
}
