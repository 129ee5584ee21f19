import type { Pool, PoolClient } from 'pg';
import { UUID_PATTERN } from '../../lib/contracts/messages/message-schema';
import type { PageDefinition } from '../../lib/domain/forms/form-definition';
import { checkPageDefinition, formPlaceholders } from '../../lib/domain/forms/page-content';
import { ApiProblem, type FieldError } from './api-problem';
import type { DefinitionKind, DefinitionRow, Frozen } from './definition-store';
import type { DraftRenderer } from './draft-renderer';

/**
 * Marketing pages (docs/api.md#forms-and-pages): the definition checked by lib/domain/forms/page-content.ts; at
 * go-live the content is compiled and sanitized on a draft-render thread (draft-renderer.ts) and the live version
 * of every embedded form is pinned, in placeholder order.
 */

const INITIAL_PAGE: PageDefinition = { title: '', content_type: 'html', content: '', content_settings_id: null };

const CONTENT = 'definition.content';
const UUID = new RegExp(UUID_PATTERN);

interface FormState {
  id: string;
  status: string;
  live_version: number | null;
}

/** The workspace's forms among the placeholders' ids, by id (another workspace's form is not among them). */
async function formsOf(db: Pool | PoolClient, workspaceId: string, ids: string[]): Promise<Map<string, FormState>> {
  const { rows } = await db.query<FormState>(
    'SELECT id::text, status, live_version FROM forms WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, [...new Set(ids)].filter((id) => UUID.test(id))],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

async function referenceIssues(
  db: Pool | PoolClient,
  workspaceId: string,
  definition: PageDefinition,
): Promise<FieldError[]> {
  const issues: FieldError[] = [];
  if (definition.content_settings_id !== null) {
    const { rowCount } = await db.query('SELECT 1 FROM content_settings WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      definition.content_settings_id,
    ]);
    if (!rowCount)
      issues.push({ field: 'definition.content_settings_id', message: 'names no content settings of this workspace' });
  }
  const ids = formPlaceholders(definition.content);
  const forms = await formsOf(db, workspaceId, ids);
  for (const id of new Set(ids))
    if (!forms.has(id)) issues.push({ field: CONTENT, message: `{{form "${id}"}} names no form of this workspace` });
  return issues;
}

async function draftIssues(db: Pool | PoolClient, workspaceId: string, value: unknown): Promise<FieldError[]> {
  const check = checkPageDefinition(value, false);
  return check.definition
    ? [...check.issues, ...(await referenceIssues(db, workspaceId, check.definition))]
    : check.issues;
}

/** The sanitized HTML, or the problems of compiling it (a 422 from the render thread becomes issues). */
async function compiled(renderer: DraftRenderer, definition: PageDefinition): Promise<string | FieldError[]> {
  try {
    return await renderer.page(definition.content_type, definition.content);
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 422) return error.errors;
    throw error;
  }
}

async function freezePage(
  db: PoolClient,
  renderer: DraftRenderer,
  workspaceId: string,
  row: DefinitionRow,
): Promise<Frozen> {
  const check = checkPageDefinition(row.definition, true);
  const definition = check.definition;
  if (!definition) return { issues: check.issues, columns: null };
  const issues = [...check.issues, ...(await referenceIssues(db, workspaceId, definition))];
  if (issues.length > 0) return { issues, columns: null };
  const html = await compiled(renderer, definition);
  if (typeof html !== 'string') return { issues: html, columns: null };
  // placeholders as they came out of MJML and the sanitizer: exactly the ones ingest will find
  const ids = formPlaceholders(html);
  const forms = await formsOf(db, workspaceId, ids);
  const pinned = ids.map((id) => ({ form_id: id, version: forms.get(id)?.live_version ?? null }));
  for (const id of new Set(ids)) {
    const form = forms.get(id);
    if (!form) issues.push({ field: CONTENT, message: `{{form "${id}"}} names no form of this workspace` });
    else if (form.status !== 'live' || form.live_version === null)
      issues.push({ field: CONTENT, message: `{{form "${id}"}}: the form is ${form.status}; set it live first` });
  }
  if (issues.length > 0) return { issues, columns: null };
  return {
    issues,
    columns: { title: definition.title, html, forms: pinned, content_settings_id: definition.content_settings_id },
  };
}

export function pageKind(renderer: DraftRenderer): DefinitionKind {
  return {
    table: 'pages',
    versions: 'page_versions',
    parent: 'page_id',
    noun: 'page',
    select: 'SELECT t.* FROM pages t',
    initial: { ...INITIAL_PAGE },
    checkDraft: draftIssues,
    freeze: (db, workspaceId, row) => freezePage(db, renderer, workspaceId, row),
  };
}

/** A page as the API answers it: its row and the URL ingest serves its live version at. */
export const pageView = (row: DefinitionRow, ingestUrl: string): Record<string, unknown> => ({
  ...row,
  public_url: `${ingestUrl}/p/${row.id}`,
});
