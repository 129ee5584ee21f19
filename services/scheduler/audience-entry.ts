import type { Pool } from 'pg';
import { inTransaction } from '../../lib/postgres/pg-pool';
import { combinationSql, type SegmentCombination } from '../../lib/segments/segment-combination';
import type { JourneyRuntime } from './journey-runtime';

/** Segment members added this long before the last pass are offered entry again (late-committing writers). */
const OVERLAP_MS = 60_000;
const ANALYZE_AFTER = 10_000;

const ids = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

function combinationOf(config: Record<string, unknown>): SegmentCombination {
  return {
    include: ids(config.segment_ids),
    combine: config.combine === 'intersection' ? 'intersection' : 'union',
    exclude: ids(config.exclude_segment_ids),
    lists: ids(config.list_ids),
  };
}

/** Contacts of the combination that joined one of its sources after `since` (the dynamic-segment newcomers). */
function newcomersSql(combo: SegmentCombination, params: unknown[], since: string): string {
  params.push(combo.include, combo.lists ?? [], since);
  const n = params.length;
  return `SELECT contact_id FROM segment_members WHERE segment_id = ANY($${n - 2}::uuid[]) AND added_at > $${n}::timestamptz
          UNION SELECT contact_id FROM list_memberships WHERE list_id = ANY($${n - 1}::uuid[]) AND subscribed_at > $${n}::timestamptz`;
}

/**
 * The common case of a later pass: nobody joined since who is not on the journey yet, and the combination is
 * not evaluated at all (a primary-key probe per recent member instead).
 */
async function anyNewcomer(pool: Pool, combo: SegmentCombination, since: string, journeyId: string, iteration: number): Promise<boolean> {
  const params: unknown[] = [];
  const newcomers = newcomersSql(combo, params, since);
  params.push(journeyId, iteration);
  const { rows } = await pool.query<{ any: boolean }>(
    // OFFSET 0 keeps the probe a per-row primary-key lookup: as an anti join, stale statistics after a bulk
    // entry made the planner rescan a materialized journey for every newcomer.
    `SELECT EXISTS (SELECT 1 FROM (${newcomers}) n WHERE NOT EXISTS (
       SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $${params.length - 1} AND jc.iteration = $${params.length} AND jc.contact_id = n.contact_id OFFSET 0)) AS any`,
    params,
  );
  return rows[0]?.any ?? false;
}

/**
 * Enters the journey's audience for one iteration, in batches of `batchSize` contacts ordered by id, each batch
 * its own transaction. The first pass offers every member; later passes only members added since the last one.
 *
 * NOTE: a contact enters at most once per iteration: journey_contacts' primary key is (journey, iteration,
 * contact) and entry is INSERT … ON CONFLICT DO NOTHING, so several segment tiles, overlapping passes and two
 * replicas entering at once still give one row. The pass's watermark is stored only after every batch landed.
 */
export async function enterAudience(pool: Pool, journey: JourneyRuntime, iteration: number, batchSize: number): Promise<number> {
  const journeyId = journey.row.id;
  const { rows } = await pool.query<{ since: string | null; stamp: string }>(
    `SELECT (SELECT entered_through ->> $2 FROM journey_runs WHERE journey_id = $1) AS since, (now() - $3 * interval '1 millisecond')::text AS stamp`,
    [journeyId, String(iteration), OVERLAP_MS],
  );
  const { since = null, stamp = '' } = rows[0] ?? {};
  let entered = 0;
  for (const tile of journey.row.graph.tiles) {
    if (tile.type !== 'segment') continue;
    const combo = combinationOf(tile.config ?? {});
    if (since !== null && !(await anyNewcomer(pool, combo, since, journeyId, iteration))) continue;
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const params: unknown[] = [journey.row.workspace_id];
      const combination = combinationSql('$1', combo, params);
      // INTERSECT (a hashed or sorted set operation), never a nested loop whatever the statistics say.
      const audience = since === null ? combination : `(${combination}) INTERSECT (${newcomersSql(combo, params, since)})`;
      params.push(after, batchSize, journeyId, iteration, tile.id);
      const n = params.length;
      const batch = await inTransaction(pool, (client) =>
        client.query<{ contact_id: string | null; inserted: number }>(
          `WITH batch AS (SELECT s.contact_id FROM (${audience}) s WHERE s.contact_id > $${n - 4}::uuid ORDER BY s.contact_id LIMIT $${n - 3}),
                ins AS (INSERT INTO journey_contacts (journey_id, iteration, contact_id, account_id, tile_id, state)
                        SELECT $${n - 2}, $${n - 1}, b.contact_id, c.account_id, $${n}, 'at' FROM batch b JOIN contacts c ON c.id = b.contact_id
                        ON CONFLICT DO NOTHING RETURNING 1)
           SELECT (SELECT max(contact_id::text) FROM batch) AS contact_id, (SELECT count(*) FROM ins)::int AS inserted`,
          params,
        ),
      );
      const row = batch.rows[0];
      entered += row?.inserted ?? 0;
      if (!row?.contact_id) break;
      after = row.contact_id;
    }
  }
  // Fresh statistics after a bulk entry, so the steps' plans see the journey's real size before autovacuum does.
  if (entered >= ANALYZE_AFTER) await pool.query('ANALYZE journey_contacts');
  await pool.query(
    `INSERT INTO journey_runs (journey_id, workspace_id, entered_through) VALUES ($1, $2, jsonb_build_object($3::text, $4::text))
     ON CONFLICT (journey_id) DO UPDATE SET entered_through = journey_runs.entered_through || jsonb_build_object($3::text, $4::text), updated_at = now()`,
    [journeyId, journey.row.workspace_id, String(iteration), stamp],
  );
  return entered;
}
