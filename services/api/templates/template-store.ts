/**
 * Templates as the API lists them (docs/api.md#templates): the built-ins from code first, then the workspace's
 * own rows of `templates`. Every query is scoped by the calling key's workspace.
 */
import type { Pool, PoolClient } from 'pg';
import { ApiProblem } from '../api-problem';
import { decodeCursor, toPage } from '../pagination';
import { getRow } from '../resource-routes';
import { BUILT_IN_EMAIL_TEMPLATES } from './builtin-email-templates';
import { BUILT_IN_JOURNEY_TEMPLATES } from './builtin-journey-templates';
import {
  BUILT_IN_PREFIX,
  type BuiltInTemplate,
  type EmailDefinition,
  type JourneyDefinition,
  type TemplateKind,
} from './template-types';

export type Template = BuiltInTemplate & { built_in: boolean; source_id: string | null; created_at: string | null };

const BUILT_INS: readonly Template[] = [...BUILT_IN_JOURNEY_TEMPLATES, ...BUILT_IN_EMAIL_TEMPLATES].map((t) => ({
  ...t,
  built_in: true,
  source_id: null,
  created_at: null,
}));

const COLUMNS = 'id::text, kind, name, description, definition, source_id::text, created_at, false AS built_in';

export const isBuiltIn = (id: string): boolean => id.startsWith(BUILT_IN_PREFIX);

/** One template the workspace may use: a built-in or its own (404 naming `field` otherwise). */
export async function findTemplate(
  db: Pool | PoolClient,
  workspaceId: string,
  id: string,
  field = 'id',
): Promise<Template> {
  const template = isBuiltIn(id)
    ? BUILT_INS.find((t) => t.id === id)
    : (
        await db.query<Template>(`SELECT ${COLUMNS} FROM templates WHERE workspace_id = $1 AND id = $2`, [
          workspaceId,
          id,
        ])
      ).rows[0];
  if (!template) throw new ApiProblem(404, 'template not found', [{ field, message: 'names no template' }]);
  return template;
}

/** Built-ins on the first page (they are few), then the workspace's templates by id with a cursor. */
export async function listTemplates(
  db: Pool,
  workspaceId: string,
  query: { kind?: TemplateKind; cursor?: string; limit?: number },
): Promise<{ items: Template[]; next_cursor: string | null }> {
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor);
  const { rows } = await db.query<Template>(
    `SELECT ${COLUMNS} FROM templates WHERE workspace_id = $1 AND ($2::text IS NULL OR kind = $2)
     AND ($3::uuid IS NULL OR id > $3::uuid) ORDER BY id LIMIT $4`,
    [workspaceId, query.kind ?? null, after, limit + 1],
  );
  const page = toPage(rows, limit);
  const builtIns = after === null ? BUILT_INS.filter((t) => !query.kind || t.kind === query.kind) : [];
  return { items: [...builtIns, ...page.items], next_cursor: page.next_cursor };
}

/** A journey's graph and settings or a marketing email's draft: never its state, contacts or history. */
async function definitionOf(client: PoolClient, workspaceId: string, kind: TemplateKind, sourceId: string) {
  if (kind === 'journey') {
    const journey = await getRow<JourneyDefinition>(client, 'journeys', 'journey', workspaceId, sourceId);
    return { graph: journey.graph, settings: journey.settings };
  }
  const { rows } = await client.query<{ draft: EmailDefinition }>(
    "SELECT draft FROM emails WHERE workspace_id = $1 AND id = $2 AND channel = 'marketing'",
    [workspaceId, sourceId],
  );
  if (!rows[0]) throw new ApiProblem(404, 'email not found', [{ field: 'source_id', message: 'names no email' }]);
  return rows[0].draft;
}

export async function saveTemplate(
  client: PoolClient,
  workspaceId: string,
  body: { kind: TemplateKind; source_id: string; name: string; description?: string },
): Promise<Template> {
  const definition = await definitionOf(client, workspaceId, body.kind, body.source_id);
  const { rows } = await client.query<Template>(
    `INSERT INTO templates (workspace_id, kind, name, description, definition, source_id)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [workspaceId, body.kind, body.name, body.description ?? '', JSON.stringify(definition), body.source_id],
  );
  return rows[0] as Template;
}

/** A workspace's own template; a built-in is part of Cairn and stays (409 naming id). */
export async function deleteTemplate(db: Pool, workspaceId: string, id: string): Promise<void> {
  if (isBuiltIn(id)) {
    await findTemplate(db, workspaceId, id);
    throw new ApiProblem(409, 'a built-in template cannot be deleted', [{ field: 'id', message: 'is built in' }]);
  }
  const { rowCount } = await db.query('DELETE FROM templates WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
  if (!rowCount) throw new ApiProblem(404, 'template not found', [{ field: 'id', message: 'names no template' }]);
}
