import { parentPort } from 'node:worker_threads';
import { checkEmail } from '../../lib/domain/email/email-check';
import type { TemplateIssue } from '../../lib/domain/email/merge-fields';
import { compileHeaderTemplate, compileMergeTemplate, type MergeContext } from '../../lib/domain/email/merge-template';
import { withPreheader } from '../../lib/domain/email/preheader';
import { compileMjml } from '../../lib/domain/email/mjml-compile';
import { RenderBudgetError } from '../../lib/domain/email/render-budget';
import { sanitizePageHtml } from '../../lib/domain/forms/page-content';
import { DRAFT_THREAD_READY, PAGE_CONTENT, isDraftJob, type DraftJob, type DraftReply } from './draft-render.contract';

/**
 * The API's draft-render thread (draft-renderer.ts): MJML compilation, the go-live check and the per-contact
 * render of a draft run here, so a template that takes seconds (or never ends) holds this thread, which is
 * terminated at the deadline, and never the API's event loop.
 */

/** One template of the draft, rendered within the budget; the field it came from names the problem. */
function renderPart(field: string, render: () => string): string | TemplateIssue {
  try {
    return render();
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? '';
    return {
      field,
      message: error instanceof RenderBudgetError ? first : `merge fields could not be rendered: ${first}`,
    };
  }
}

/** A page's go-live (docs/pages-and-forms.md#pages): MJML compiled once, then sanitized; problems name the content. */
async function pageAnswer(job: Extract<DraftJob, { kind: 'page' }>): Promise<DraftReply> {
  const compiled =
    job.content_type === 'mjml' ? await compileMjml(job.content) : { ok: true as const, html: job.content };
  if (!compiled.ok)
    return {
      id: job.id,
      kind: 'refused',
      issues: compiled.issues.map((issue) => ({ field: PAGE_CONTENT, message: issue.message })),
    };
  return { id: job.id, kind: 'page', html: sanitizePageHtml(compiled.html) };
}

async function answer(job: DraftJob): Promise<DraftReply> {
  if (job.kind === 'page') return pageAnswer(job);
  const check = await checkEmail(job.draft, job.content);
  if (job.kind === 'check' || !check.compiled)
    return { id: job.id, kind: 'checked', issues: check.issues, compiled: check.compiled ?? null };
  const budget = { maxChars: job.maxChars };
  const context: MergeContext = job.context;
  const { html: compiledHtml } = check.compiled;
  const parts = [
    renderPart('subject', () => compileHeaderTemplate(job.draft.subject ?? '', budget)(context)),
    renderPart('from_name', () => compileHeaderTemplate(job.draft.from_name ?? '', budget)(context)),
    renderPart('body_mjml', () => compileMergeTemplate(compiledHtml, budget)(context)),
    renderPart('preview_text', () => compileMergeTemplate(job.draft.preview_text ?? '', budget)(context)),
  ];
  const issues = parts.filter((part): part is TemplateIssue => typeof part !== 'string');
  const [subject, fromName, html, preview] = parts;
  if (
    issues.length > 0 ||
    typeof subject !== 'string' ||
    typeof fromName !== 'string' ||
    typeof html !== 'string' ||
    typeof preview !== 'string'
  )
    return { id: job.id, kind: 'refused', issues };
  // the sender inserts the frozen version's preheader the same way (services/sender/message-renderer.ts)
  return { id: job.id, kind: 'rendered', subject, from_name: fromName, html: withPreheader(html, preview) };
}

parentPort?.on('message', (message: unknown) => {
  if (!isDraftJob(message)) return;
  answer(message).then(
    (reply) => parentPort?.postMessage(reply),
    (error: Error) =>
      parentPort?.postMessage({
        id: message.id,
        kind: 'refused',
        issues: [
          {
            field: message.kind === 'page' ? PAGE_CONTENT : 'body_mjml',
            message: `the draft could not be checked: ${error.message.split('\n')[0] ?? ''}`,
          },
        ],
      } satisfies DraftReply),
  );
});
parentPort?.postMessage(DRAFT_THREAD_READY);
