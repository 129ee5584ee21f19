import type { Pool, PoolClient } from 'pg';
import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import type { Logger } from '../../lib/platform/logger';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { resolveBehaviour } from './segments/segment-behaviour';
import { behaviourConditions, behaviourKey, FilterCompiler, SegmentFilterError } from './segments/segment-filter';
import { ApiProblem } from './api-problem';

/** Validates a definition without asking ClickHouse (behaviour conditions compile against empty answers). */
export function validateDefinition(definition: unknown): void {
  try {
    const answers = new Map(behaviourConditions(definition).map((c) => [behaviourKey(c), [] as string[]]));
    new FilterCompiler([], answers).compile(definition);
  } catch (error) {
    if (error instanceof SegmentFilterError)
      throw new ApiProblem(400, `the segment definition is invalid: ${error.message}`, [
        { field: error.field, message: error.message },
      ]);
    throw error;
  }
}

/** A WHERE over `contacts c` with $1 = workspace id and $2 = the caller's second parameter. */
async function compile(
  ch: ClickHouse,
  workspaceId: string,
  second: unknown,
  definition: unknown,
): Promise<{ where: string; params: unknown[] }> {
  validateDefinition(definition);
  const compiler = new FilterCompiler([workspaceId, second], await resolveBehaviour(ch, workspaceId, definition));
  const where = compiler.compile(definition);
  return { where, params: compiler.params };
}

export async function previewCount(
  pool: Pool,
  ch: ClickHouse,
  workspaceId: string,
  definition: unknown,
): Promise<number> {
  const { where, params } = await compile(ch, workspaceId, null, definition);
  const { rows } = await pool.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM contacts c WHERE c.workspace_id = $1 AND $2::text IS NULL AND (${where})`,
    params,
  );
  return rows[0]?.count ?? 0;
}

/**
 * Recomputes a dynamic segment in bulk: members that no longer match leave, new matches join with added_at =
 * now(), which is how live journeys see new members flow in. NOTE: idempotent; a refresh with no contact
 * changes adds and removes nothing, and concurrent refreshes of one segment serialise on the segment row lock.
 * The day's entries and exits are counted by PostgreSQL in this same statement, from the rows it inserted and
 * deleted (sql/postgres/0460_segment_member_days.sql, docs/kpis.md#segment-membership).
 */
export async function refreshSegment(
  pool: Pool,
  ch: ClickHouse,
  workspaceId: string,
  segmentId: string,
  definition: unknown,
): Promise<{ added: number; removed: number; member_count: number }> {
  const { where, params } = await compile(ch, workspaceId, segmentId, definition);
  return inTransaction(pool, async (client: PoolClient) => {
    await client.query('SELECT 1 FROM segments WHERE id = $1 FOR UPDATE', [segmentId]);
    const { rows } = await client.query<{ added: number; removed: number }>(
      `WITH target AS (SELECT c.id FROM contacts c WHERE c.workspace_id = $1 AND (${where})),
       removed AS (DELETE FROM segment_members m WHERE m.segment_id = $2 AND NOT EXISTS (SELECT 1 FROM target t WHERE t.id = m.contact_id) RETURNING 1),
       added AS (INSERT INTO segment_members (segment_id, contact_id, workspace_id) SELECT $2, id, $1 FROM target ON CONFLICT DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM added)::int AS added, (SELECT count(*) FROM removed)::int AS removed`,
      params,
    );
    const count = await client.query<{ member_count: number }>(
      'UPDATE segments SET member_count = (SELECT count(*) FROM segment_members WHERE segment_id = $1), refreshed_at = now() WHERE id = $1 RETURNING member_count',
      [segmentId],
    );
    return {
      added: rows[0]?.added ?? 0,
      removed: rows[0]?.removed ?? 0,
      member_count: count.rows[0]?.member_count ?? 0,
    };
  });
}

/** The periodic bulk refresh of every dynamic segment (main.ts runs it every CAIRN_SEGMENT_REFRESH_SECONDS). */
export async function refreshAllDynamic(pool: Pool, ch: ClickHouse, log: Logger): Promise<void> {
  const { rows } = await pool.query<{ id: string; workspace_id: string; definition: unknown }>(
    "SELECT id, workspace_id, definition FROM segments WHERE kind = 'dynamic'",
  );
  for (const segment of rows) {
    try {
      const result = await refreshSegment(pool, ch, segment.workspace_id, segment.id, segment.definition);
      log.info({ segmentId: segment.id, ...result }, 'segment_refreshed');
    } catch (error) {
      log.error({ segmentId: segment.id, err: error }, 'segment_refresh_failed');
    }
  }
}
