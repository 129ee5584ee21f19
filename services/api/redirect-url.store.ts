import type { Pool } from 'pg';
import { checkDestination, newRedirectCode } from '../../lib/domain/redirects/redirect-url';
import { ApiProblem, notFound } from './api-problem';
import { decodeCursor, toPage } from './pagination';

/**
 * Redirect URLs in PostgreSQL (sql/postgres/0440, docs/redirect-urls.md). Every statement is scoped by the calling
 * key's workspace, so another workspace's ids answer 404.
 */

export interface RedirectRow {
  id: string;
  workspace_id: string;
  code: string;
  name: string;
  destination: string;
  created_at: Date;
  disabled_at: Date | null;
}

/** A code is drawn again when it is taken: 62^8 codes make a second collision in a row all but impossible. */
const CODE_ATTEMPTS = 5;

/** The row as the API answers it: its short URL on ingest's public origin, read at answer time. */
export function redirectView(row: RedirectRow, ingestPublicUrl: string): Record<string, unknown> {
  const { workspace_id: _workspace, ...rest } = row;
  return {
    ...rest,
    short_url: `${new URL(ingestPublicUrl).origin}/r/${row.code}`,
    disabled: row.disabled_at !== null,
  };
}

/** 422 naming destination unless it is one a redirect may go to; the canonical URL otherwise. */
export function destinationOf(raw: string, ingestPublicUrl: string): string {
  const check = checkDestination(raw, ingestPublicUrl);
  if (!check.ok)
    throw new ApiProblem(422, `destination ${check.problem}`, [{ field: 'destination', message: check.problem }]);
  return check.url;
}

/**
 * NOTE: the code is unique across workspaces (ingest finds a redirect by its code alone) and is never given to a
 * second redirect URL, even after a disable: a code printed somewhere can only ever lead to its one destination.
 */
export async function insertRedirect(
  pool: Pool,
  workspaceId: string,
  body: { name: string; destination: string },
): Promise<RedirectRow> {
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
    const { rows } = await pool.query<RedirectRow>(
      `INSERT INTO redirect_urls (workspace_id, code, name, destination) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO NOTHING RETURNING *`,
      [workspaceId, newRedirectCode(), body.name, body.destination],
    );
    if (rows[0]) return rows[0];
  }
  throw new ApiProblem(503, 'no free redirect code was found; try again');
}

export async function readRedirect(pool: Pool, workspaceId: string, id: string): Promise<RedirectRow> {
  const { rows } = await pool.query<RedirectRow>('SELECT * FROM redirect_urls WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    id,
  ]);
  if (!rows[0]) throw notFound('redirect URL');
  return rows[0];
}

export async function listRedirects(
  pool: Pool,
  workspaceId: string,
  query: { limit?: number; cursor?: string; disabled?: boolean },
): Promise<{ items: RedirectRow[]; next_cursor: string | null }> {
  const limit = query.limit ?? 50;
  const disabled = query.disabled === undefined ? '' : `AND disabled_at IS ${query.disabled ? 'NOT ' : ''}NULL`;
  const { rows } = await pool.query<RedirectRow>(
    `SELECT * FROM redirect_urls WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid) ${disabled}
      ORDER BY id LIMIT $3`,
    [workspaceId, decodeCursor(query.cursor), limit + 1],
  );
  return toPage(rows, limit);
}

/**
 * The name, and whether the code still redirects; never the destination (the route refuses it before). Disabling
 * keeps the first disabled_at; enabling clears it.
 */
export async function updateRedirect(
  pool: Pool,
  workspaceId: string,
  id: string,
  change: { name?: string; disabled?: boolean },
): Promise<RedirectRow> {
  const disabled =
    change.disabled === undefined ? 'disabled_at' : change.disabled ? 'coalesce(disabled_at, now())' : 'NULL';
  const { rows } = await pool.query<RedirectRow>(
    `UPDATE redirect_urls SET name = coalesce($3, name), disabled_at = ${disabled}
      WHERE workspace_id = $1 AND id = $2 RETURNING *`,
    [workspaceId, id, change.name ?? null],
  );
  if (!rows[0]) throw notFound('redirect URL');
  return rows[0];
}
