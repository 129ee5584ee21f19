import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { ApiProblem, notFound, type FieldError } from './api-problem';
import { decodeCursor, toPage, type PageQuery } from './pagination';
import { getRow } from './resource-routes';

/**
 * Forms and pages (docs/api.md#forms-and-pages), and lead scoring models (docs/lead-scoring.md), are the same kind of resource: a named draft definition, checked
 * as it is saved, frozen as version n+1 at go-live (form_versions, page_versions), stopped. One store serves both;
 * each kind says how its definition is checked and what its frozen version holds. Every statement is scoped by
 * the caller's workspace, so another workspace's ids answer 404.
 */

export interface DefinitionRow {
  id: string;
  workspace_id: string;
  name: string;
  definition: unknown;
  status: 'draft' | 'live' | 'stopped';
  live_version: number | null;
  /** forms: the definition of the live version (the embed HTML is built from it) */
  live_definition?: unknown;
}

/** What go-live would freeze: the version row's columns, or the problems that stop it. */
export type Frozen = { issues: FieldError[]; columns: Record<string, unknown> | null };

export interface DefinitionKind {
  table: 'forms' | 'pages' | 'scoring_models';
  versions: 'form_versions' | 'page_versions' | 'scoring_model_versions';
  parent: 'form_id' | 'page_id' | 'model_id';
  noun: string;
  /** the columns a read returns: `t.*` and, for forms, the live version's definition */
  select: string;
  /** the definition of a new draft; the POST's definition is merged over it, key by key */
  initial: Record<string, unknown>;
  /** the draft check: what is there must be right (what it names must be the workspace's), it may be incomplete */
  checkDraft(db: Pool | PoolClient, workspaceId: string, definition: unknown): Promise<FieldError[]>;
  /** the go-live check and what the version row holds when it passes */
  freeze(db: PoolClient, workspaceId: string, row: DefinitionRow): Promise<Frozen>;
}

const toParam = (value: unknown): unknown =>
  value !== null && typeof value === 'object' ? JSON.stringify(value) : value;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

async function checked(kind: DefinitionKind, db: PoolClient, workspaceId: string, definition: unknown) {
  const issues = await kind.checkDraft(db, workspaceId, definition);
  if (issues.length > 0)
    throw new ApiProblem(422, `the ${kind.noun} definition has ${issues.length} problem(s)`, issues);
  return definition;
}

export async function readDefinition(db: Pool | PoolClient, kind: DefinitionKind, workspaceId: string, id: string) {
  const { rows } = await db.query<DefinitionRow>(`${kind.select} WHERE t.workspace_id = $1 AND t.id = $2`, [
    workspaceId,
    id,
  ]);
  if (!rows[0]) throw notFound(kind.noun);
  return rows[0];
}

export async function listDefinitions(db: Pool, kind: DefinitionKind, workspaceId: string, query: PageQuery) {
  const limit = query.limit ?? 50;
  const { rows } = await db.query<DefinitionRow>(
    `${kind.select} WHERE t.workspace_id = $1 AND ($2::uuid IS NULL OR t.id > $2::uuid) ORDER BY t.id LIMIT $3`,
    [workspaceId, decodeCursor(query.cursor), limit + 1],
  );
  return toPage(rows, limit);
}

export async function createDefinition(
  pool: Pool,
  kind: DefinitionKind,
  workspaceId: string,
  body: { name: string; definition?: Record<string, unknown> },
): Promise<DefinitionRow> {
  return inTransaction(pool, async (client) => {
    const definition = await checked(kind, client, workspaceId, { ...kind.initial, ...body.definition });
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO ${kind.table} (workspace_id, name, definition) VALUES ($1, $2, $3) RETURNING id`,
      [workspaceId, body.name, JSON.stringify(definition)],
    );
    return readDefinition(client, kind, workspaceId, rows[0]?.id ?? '');
  });
}

/** The draft's name and definition (its keys merged over the stored ones); a live version stays as it was frozen. */
export async function editDefinition(
  pool: Pool,
  kind: DefinitionKind,
  workspaceId: string,
  id: string,
  body: { name?: string; definition?: Record<string, unknown> },
): Promise<DefinitionRow> {
  return inTransaction(pool, async (client) => {
    const row = await getRow<DefinitionRow>(client, kind.table, kind.noun, workspaceId, id, true);
    const stored = isRecord(row.definition) ? row.definition : {};
    const definition = await checked(kind, client, workspaceId, { ...stored, ...body.definition });
    await client.query(
      `UPDATE ${kind.table} SET name = coalesce($3, name), definition = $4, updated_at = now() WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, body.name ?? null, JSON.stringify(definition)],
    );
    return readDefinition(client, kind, workspaceId, id);
  });
}

/** A draft that never went live can go; a form or page that went live is stopped instead (its versions serve what was sent). */
export async function deleteDefinition(pool: Pool, kind: DefinitionKind, workspaceId: string, id: string) {
  const row = await getRow<DefinitionRow>(pool, kind.table, kind.noun, workspaceId, id);
  if (row.live_version !== null)
    throw new ApiProblem(409, `a ${kind.noun} that went live cannot be deleted: stop it instead`, [
      { field: 'status', message: row.status },
    ]);
  await pool.query(`DELETE FROM ${kind.table} WHERE workspace_id = $1 AND id = $2 AND live_version IS NULL`, [
    workspaceId,
    id,
  ]);
}

/** The go-live check without going live. */
export async function checkDefinition(pool: Pool, kind: DefinitionKind, workspaceId: string, id: string) {
  return inTransaction(pool, async (client) => {
    const frozen = await kind.freeze(client, workspaceId, await readDefinition(client, kind, workspaceId, id));
    return { ok: frozen.issues.length === 0, errors: frozen.issues };
  });
}

/**
 * Go live: the full check, then version n+1 frozen and the resource pointed at it.
 * NOTE: one transaction with the row locked: two concurrent go-lives cannot both make version n+1 (the primary key
 * (parent, version) would refuse the second anyway), and a failed check writes nothing (the 422 comes first).
 */
export async function goLiveDefinition(pool: Pool, kind: DefinitionKind, workspaceId: string, id: string) {
  return inTransaction(pool, async (client) => {
    await getRow(client, kind.table, kind.noun, workspaceId, id, true);
    const frozen = await kind.freeze(client, workspaceId, await readDefinition(client, kind, workspaceId, id));
    if (!frozen.columns || frozen.issues.length > 0)
      throw new ApiProblem(
        422,
        `the ${kind.noun} has ${frozen.issues.length} problem(s) to fix before it can go live`,
        frozen.issues,
      );
    const { rows } = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0) + 1 AS version FROM ${kind.versions} WHERE ${kind.parent} = $1`,
      [id],
    );
    const version = rows[0]?.version ?? 1;
    const names = Object.keys(frozen.columns);
    const values = names.map((name) => toParam(frozen.columns?.[name]));
    await client.query(
      `INSERT INTO ${kind.versions} (${kind.parent}, version, workspace_id, ${names.join(', ')})
       VALUES ($1, $2, $3, ${names.map((_, i) => `$${i + 4}`).join(', ')})`,
      [id, version, workspaceId, ...values],
    );
    await client.query(
      `UPDATE ${kind.table} SET status = 'live', live_version = $2, updated_at = now() WHERE id = $1`,
      [id, version],
    );
    return { version, row: await readDefinition(client, kind, workspaceId, id) };
  });
}

/** Stop a live form or page: ingest serves and accepts nothing for it until it goes live again. */
export async function stopDefinition(pool: Pool, kind: DefinitionKind, workspaceId: string, id: string) {
  const { rowCount } = await pool.query(
    `UPDATE ${kind.table} SET status = 'stopped', updated_at = now() WHERE workspace_id = $1 AND id = $2 AND status = 'live'`,
    [workspaceId, id],
  );
  const row = await readDefinition(pool, kind, workspaceId, id);
  if (!rowCount)
    throw new ApiProblem(409, `only a live ${kind.noun} can be stopped`, [{ field: 'status', message: row.status }]);
  return row;
}

/** One frozen version as it was frozen. */
export async function readVersion(pool: Pool, kind: DefinitionKind, workspaceId: string, id: string, version: number) {
  const { rows } = await pool.query(
    `SELECT * FROM ${kind.versions} WHERE workspace_id = $1 AND ${kind.parent} = $2 AND version = $3`,
    [workspaceId, id, version],
  );
  if (!rows[0]) throw notFound(`${kind.noun} version`);
  return rows[0] as Record<string, unknown>;
}
