import type { FromSchema } from 'json-schema-to-ts';
import type { Pool } from 'pg';
import { defineMessage, fields } from '../../lib/contracts/messages/message-schema';
import type { Logger } from '../../lib/platform/logger';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { enterAudience, type EntryPasses } from './audience-entry';
import { admitQueued } from './entry-pacing';
import { decideAbTests } from './ab-test-decision';
import { wakeableTriggers, wakeTriggers } from './engagement.consumer';
import { activeIteration, runtimeOf, type JourneyRow, type JourneyRuntime } from './journey-runtime';

/** How far back the safety sweep looks for engagements whose wake-up a race may have missed. */
const REWAKE_WINDOW = '5 minutes';

/** A job on the step queue (STEP_QUEUE): one tile of one journey has contacts to process now. */
const tileWorkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'journeyId', 'tileId'],
  properties: { v: { const: 1 }, journeyId: fields.uuid, tileId: fields.id },
} as const;

export type TileWork = FromSchema<typeof tileWorkSchema>;

/**
 * Strict about `v`: step jobs are rebuilt from PostgreSQL on every tick, so a job of the build before v1 that fails
 * unread is queued again as v1 (docs/messages.md#versions).
 */
export const tileWorkMessage = defineMessage('tile work', 1, tileWorkSchema);

/** Tiles of the active iteration holding contacts to process now: arrivals, or waiting contacts now due. */
async function tilesWithWork(pool: Pool, journey: JourneyRuntime, iteration: number, now: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT t.id FROM unnest($2::text[]) AS t(id)
     WHERE EXISTS (SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $1 AND jc.iteration = $3 AND jc.tile_id = t.id AND jc.state = 'at')
        OR EXISTS (SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $1 AND jc.iteration = $3 AND jc.tile_id = t.id AND jc.state = 'waiting' AND jc.due_at <= $4)`,
    [journey.row.id, journey.row.graph.tiles.map((t) => t.id), iteration, new Date(now).toISOString()],
  );
  return rows.map((r) => r.id);
}

/** live → completed when the schedule is over (the end date, or the last iteration of a recurring journey). */
async function complete(pool: Pool, journey: JourneyRuntime): Promise<void> {
  await inTransaction(pool, async (client) => {
    const { rowCount } = await client.query(
      `UPDATE journeys SET status = 'completed', updated_at = now() WHERE id = $1 AND status = 'live'`,
      [journey.row.id],
    );
    if (rowCount)
      await client.query(
        'INSERT INTO journey_milestones (journey_id, workspace_id, status, note) VALUES ($1, $2, $3, $4)',
        [
          journey.row.id,
          journey.row.workspace_id,
          'completed',
          journey.row.settings.recurring ? 'last iteration ended' : 'end date reached',
        ],
      );
  });
}

/**
 * One pass over the live journeys: completes those past their schedule, enters audiences (new segment members
 * included), and returns the tiles that have work. PostgreSQL is the truth, so this pass also rebuilds every
 * step job lost to a crash or a Redis restart.
 */
export interface TickResult {
  work: TileWork[];
  /** an entry pass ran out of its time budget: tick again soon */
  entering: boolean;
}

export async function tickJourneys(
  pool: Pool,
  options: {
    now: number;
    entryBatch: number;
    entryBudgetMs: number;
    passes: EntryPasses;
    log: Logger;
    onOutbox?: () => void;
  },
): Promise<TickResult> {
  const { rows } = await pool.query<JourneyRow>(
    `SELECT id, workspace_id, status, graph, settings FROM journeys WHERE status = 'live'`,
  );
  const work: TileWork[] = [];
  const triggers = [];
  let entering = false;
  for (const row of rows) {
    const journey = runtimeOf(row);
    if (options.now >= journey.endAt) {
      await complete(pool, journey);
      options.log.info({ journeyId: row.id }, 'journey_completed');
      continue;
    }
    const iteration = activeIteration(journey, options.now);
    if (iteration === null) continue;
    const entry = await enterAudience(pool, journey, iteration, {
      batchSize: options.entryBatch,
      now: options.now,
      budgetMs: options.entryBudgetMs,
      passes: options.passes,
      onBatch: (batch) => {
        if (batch.outbox) options.onOutbox?.();
        options.log.debug({ journeyId: row.id, iteration, entered: batch.entered, ms: batch.ms }, 'entry_batch');
      },
    });
    if (entry.entered > 0)
      options.log.info({ journeyId: row.id, iteration, entered: entry.entered, done: entry.done }, 'contacts_entered');
    entering ||= !entry.done;
    const admitted = await admitQueued(pool, journey, iteration, options.now);
    if (admitted > 0) options.log.info({ journeyId: row.id, iteration, admitted }, 'contacts_admitted');
    // A/B tests decide before the tiles with work are found: a decision makes its waiting contacts due now
    const decided = await decideAbTests(pool, journey, iteration, options.now);
    if (decided.length > 0) {
      options.log.info({ journeyId: row.id, iteration, tiles: decided }, 'ab_test_decided');
      options.onOutbox?.();
    }
    for (const tileId of await tilesWithWork(pool, journey, iteration, options.now))
      work.push({ v: 1, journeyId: row.id, tileId });
    triggers.push(...wakeableTriggers(journey));
  }
  const { rows: since } = await pool.query<{ since: string }>(
    `SELECT (now() - interval '${REWAKE_WINDOW}')::text AS since`,
  );
  for (const woken of await wakeTriggers(pool, triggers, since[0]?.since ?? 'now'))
    work.push({ v: 1, journeyId: woken.journey_id, tileId: woken.tile_id });
  return { work, entering };
}
