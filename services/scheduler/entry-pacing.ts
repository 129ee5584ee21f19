import type { Pool, PoolClient } from 'pg';
import { pacingPeriod, pacingRoom } from '../../lib/domain/journeys/entry-pacing';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import type { JourneyRuntime } from './journey-runtime';

// Entry pacing (docs/scheduler.md#entry-pacing): a paced journey's entrants wait at their segment tile in the order
// they came, and each tick admits as many as the current period has room for.

/** An entrant of a paced journey: it waits at its segment tile until admitted. */
export interface Entrant {
  contactId: string;
  accountId: string | null;
}

/**
 * Inserts a paced journey's entrants as waiting at their segment tile, queued at `now` (entry's transaction, under
 * the journey's entry lock: entry-batch.ts). No due time: only admission (admitQueued) moves them on.
 */
export async function queueEntrants(
  client: PoolClient,
  journeyId: string,
  iteration: number,
  tileId: string,
  entrants: Entrant[],
  now: number,
): Promise<void> {
  await client.query(
    `INSERT INTO journey_contacts (journey_id, iteration, contact_id, tile_id, state, due_at, account_id, queued_at)
     SELECT $1, $2, e.contact_id, $3, 'waiting', NULL, e.account_id, $4 FROM unnest($5::uuid[], $6::uuid[]) AS e(contact_id, account_id)`,
    [
      journeyId,
      iteration,
      tileId,
      new Date(now).toISOString(),
      entrants.map((e) => e.contactId),
      entrants.map((e) => e.accountId),
    ],
  );
}

/**
 * The journey's pacing row, locked for this transaction (created on first use).
 *
 * NOTE: a period admits at most max_contacts contacts, across replicas. The count and the admission happen in one
 * transaction holding this row's lock: a second replica's admission waits for the first to commit and then reads
 * its count (or the count before it, after a rollback), so two replicas never both fill the last places.
 */
async function lockPacingRow(
  client: PoolClient,
  journey: JourneyRuntime,
): Promise<{ periodStart: number | null; admitted: number; zone: string }> {
  const { rows } = await client.query<{ period_ms: number | null; admitted: number; time_zone: string }>(
    `WITH p AS (
       INSERT INTO journey_pacing (journey_id, workspace_id) VALUES ($1, $2)
       ON CONFLICT (journey_id) DO UPDATE SET admitted = journey_pacing.admitted
       RETURNING period_start, admitted)
     SELECT (extract(epoch FROM p.period_start) * 1000)::float8 AS period_ms, p.admitted, w.time_zone
     FROM p, workspaces w WHERE w.id = $2`,
    [journey.row.id, journey.row.workspace_id],
  );
  const row = rows[0];
  return {
    periodStart: row?.period_ms ?? null,
    admitted: row?.admitted ?? 0,
    zone: row?.time_zone ?? 'UTC',
  };
}

/**
 * Admits the next contacts of the journey's queue for the iteration, first come first admitted, as many as the
 * current period (hour or day of the workspace's time zone, on an allowed weekday) has room for: they become
 * arrivals at their segment tile, which the next step takes on. Returns how many were admitted.
 */
export async function admitQueued(
  pool: Pool,
  journey: JourneyRuntime,
  iteration: number,
  now: number,
): Promise<number> {
  const pacing = journey.row.settings.entry_pacing;
  if (!pacing) return 0;
  return inTransaction(pool, async (client) => {
    const stored = await lockPacingRow(client, journey);
    const period = pacingPeriod(pacing, now, stored.zone);
    const room = pacingRoom(pacing, period, stored);
    if (room === 0) return 0;
    const { rowCount } = await client.query(
      `UPDATE journey_contacts jc SET state = 'at', queued_at = NULL
       FROM (SELECT contact_id FROM journey_contacts
             WHERE journey_id = $1 AND iteration = $2 AND queued_at IS NOT NULL AND state = 'waiting'
             ORDER BY queued_at, contact_id LIMIT $3) q
       WHERE jc.journey_id = $1 AND jc.iteration = $2 AND jc.contact_id = q.contact_id`,
      [journey.row.id, iteration, room],
    );
    const admitted = rowCount ?? 0;
    if (admitted > 0)
      await client.query(
        'UPDATE journey_pacing SET period_start = $3, admitted = $4 WHERE journey_id = $1 AND workspace_id = $2',
        [
          journey.row.id,
          journey.row.workspace_id,
          new Date(period.start).toISOString(),
          pacing.max_contacts - room + admitted,
        ],
      );
    return admitted;
  });
}
