import type { Pool } from 'pg';
import type { FormDefinition } from '../../../lib/domain/forms/form-definition';
import { isFormDefinitionShape } from '../../../lib/domain/forms/definition-schema';
import { isUuid } from './landing-link';

/** A page's frozen version as ingest serves it: placeholders still in its HTML, the form versions it pinned. */
export interface PageVersion {
  pageId: string;
  version: number;
  workspaceId: string;
  title: string;
  html: string;
  forms: { formId: string; version: number }[];
  /** the workspace's form_origins (where its forms' thank-you redirects may go) */
  formOrigins: string[];
}

/** A frozen form version and whether its form still takes submissions (status live). */
export interface FrozenForm {
  formId: string;
  version: number;
  workspaceId: string;
  name: string;
  live: boolean;
  definition: FormDefinition;
}

/** What the submit route checks before it reads a body: the form's workspace, status and allowed origins. */
export interface FormGate {
  formId: string;
  workspaceId: string;
  live: boolean;
  liveVersion: number | null;
  origins: string[];
}

/** page_versions.forms read back: [{form_id, version}], anything else dropped. */
function pinnedForms(raw: unknown): PageVersion['forms'] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || !('form_id' in entry) || !('version' in entry)) return [];
    const { form_id: formId, version } = entry;
    return typeof formId === 'string' && isUuid(formId) && Number.isInteger(version) && typeof version === 'number'
      ? [{ formId, version }]
      : [];
  });
}

/** The page's live version (version null), or the given version of a page that is live; null otherwise. */
export async function pageVersion(pool: Pool, pageId: string, version: number | null): Promise<PageVersion | null> {
  const { rows } = await pool.query<{
    version: number;
    workspace_id: string;
    title: string;
    html: string;
    forms: unknown;
    form_origins: string[];
  }>(
    `SELECT v.version, v.workspace_id, v.title, v.html, v.forms, w.form_origins
       FROM pages p JOIN page_versions v ON v.page_id = p.id AND v.version = COALESCE($2::int, p.live_version)
       JOIN workspaces w ON w.id = p.workspace_id
      WHERE p.id = $1 AND p.status = 'live' AND v.workspace_id = p.workspace_id`,
    [pageId, version],
  );
  const row = rows[0];
  if (!row) return null;
  const { workspace_id: workspaceId, title, html } = row;
  const forms = pinnedForms(row.forms);
  return { pageId, version: row.version, workspaceId, title, html, forms, formOrigins: row.form_origins };
}

/** The frozen versions asked for, by `formId:version`; a version whose definition cannot be read is left out. */
export async function frozenForms(
  pool: Pool,
  wanted: { formId: string; version: number }[],
): Promise<Map<string, FrozenForm>> {
  const found = new Map<string, FrozenForm>();
  if (wanted.length === 0) return found;
  const { rows } = await pool.query<{
    form_id: string;
    version: number;
    workspace_id: string;
    name: string;
    status: string;
    definition: unknown;
  }>(
    `SELECT v.form_id, v.version, v.workspace_id, f.name, f.status, v.definition
       FROM form_versions v JOIN forms f ON f.id = v.form_id AND f.workspace_id = v.workspace_id
      WHERE (v.form_id, v.version) IN (SELECT * FROM unnest($1::uuid[], $2::int[]))`,
    [wanted.map((w) => w.formId), wanted.map((w) => w.version)],
  );
  for (const row of rows) {
    // NOTE: read back through the API's own schema: a stored definition this build cannot read is not served.
    const definition = row.definition;
    if (!isFormDefinitionShape(definition)) continue;
    found.set(formKey(row.form_id, row.version), {
      ...{ formId: row.form_id, version: row.version, workspaceId: row.workspace_id, name: row.name },
      live: row.status === 'live',
      definition,
    });
  }
  return found;
}

export const formKey = (formId: string, version: number): string => `${formId}:${version}`;

export async function formGate(pool: Pool, formId: string): Promise<FormGate | null> {
  const { rows } = await pool.query<{
    workspace_id: string;
    status: string;
    live_version: number | null;
    form_origins: string[];
  }>(
    `SELECT f.workspace_id, f.status, f.live_version, w.form_origins
       FROM forms f JOIN workspaces w ON w.id = f.workspace_id WHERE f.id = $1`,
    [formId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    formId,
    workspaceId: row.workspace_id,
    live: row.status === 'live' && row.live_version !== null,
    liveVersion: row.live_version,
    origins: row.form_origins,
  };
}
