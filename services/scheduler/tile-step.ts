import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { ContactFlow } from './contact-flow';
import { activeIteration, loadJourney } from './journey-runtime';
import { StepEffects } from './step-effects';
import type { SendTimeReader } from './send-time-reader';
import type { Claimed } from './tile-moves';

export interface StepResult {
  /** contacts this step moved */
  moved: number;
  /** tiles left holding contacts to process (each needs a step job) */
  nextTiles: string[];
  /** the tile may hold more work than one batch took */
  more: boolean;
  /** outbox rows were written (the relay has work) */
  outbox: boolean;
}

const NOTHING: StepResult = { moved: 0, nextTiles: [], more: false, outbox: false };

interface ClaimRow {
  iteration: number;
  contact_id: string;
  account_id: string | null;
}

/**
 * Claims up to `limit` contacts of the active iteration at the tile: arrivals ('at') or, for holding tiles,
 * waiting contacts whose time has come. SKIP LOCKED: a second replica takes the next batch instead of waiting.
 */
async function claim(
  client: PoolClient,
  journeyId: string,
  tileId: string,
  iteration: number,
  limit: number,
  due: number | null,
): Promise<Claimed[]> {
  if (limit <= 0) return [];
  const params: unknown[] = [journeyId, tileId, iteration, limit];
  const where = due === null ? `state = 'at'` : `state = 'waiting' AND due_at <= $5`;
  if (due !== null) params.push(new Date(due).toISOString());
  const { rows } = await client.query<ClaimRow>(
    `SELECT iteration, contact_id, account_id FROM journey_contacts
     WHERE journey_id = $1 AND tile_id = $2 AND iteration = $3 AND ${where}
     LIMIT $4 FOR UPDATE SKIP LOCKED`,
    params,
  );
  return rows.map((r) => ({
    iteration: r.iteration,
    contactId: r.contact_id,
    accountId: r.account_id,
    timeZone: null,
  }));
}

/**
 * One tile step: one transaction that claims a batch of contacts at a tile (arrivals, or waiting contacts now
 * due), takes each as far through the journey as it can go now (ContactFlow) and writes where each came to rest
 * with every side effect (StepEffects). Nothing happens outside the journey's schedule or once the journey is
 * no longer live: the share lock on the journey row makes an API stop wait for a running step, and every later
 * step sees the new status.
 */
export async function runTileStep(
  pool: Pool,
  options: { journeyId: string; tileId: string; now: number; batchSize: number; sendTimes?: SendTimeReader },
): Promise<StepResult> {
  return inTransaction(pool, async (client) => {
    const journey = await loadJourney(client, options.journeyId, true);
    if (!journey) return NOTHING;
    const iteration = activeIteration(journey, options.now);
    const tile = journey.index.byId.get(options.tileId);
    if (iteration === null || !tile) return NOTHING;
    const arrivals = await claim(client, journey.row.id, tile.id, iteration, options.batchSize, null);
    // email tiles hold contacts through quiet hours (docs/scheduler.md#quiet-hours), A/B test tiles also until the
    // decision (docs/scheduler.md#ab-test)
    const holds = ['trigger', 'scheduler', 'email', 'ab_test'].includes(tile.type);
    const due = holds
      ? await claim(client, journey.row.id, tile.id, iteration, options.batchSize - arrivals.length, options.now)
      : [];
    if (arrivals.length + due.length === 0) return NOTHING;
    const effects = new StepEffects();
    const flow = await ContactFlow.open(
      { client, journey, now: options.now, effects, sendTimes: options.sendTimes },
      [...arrivals, ...due].map((c) => c.contactId),
    );
    for (const c of arrivals) flow.arrive(tile.id, c);
    await flow.release(tile.id, due);
    await flow.run();
    await effects.write(client, { id: journey.row.id, workspaceId: journey.row.workspace_id }, options.now);
    return summarize(effects, arrivals.length + due.length >= options.batchSize);
  });
}

export function summarize(effects: StepEffects, full: boolean): StepResult {
  const moves = effects.moves;
  return {
    moved: moves.length,
    nextTiles: [...new Set(moves.filter((m) => m.state === 'at').map((m) => m.tileId))],
    more: full,
    outbox: effects.hasOutbox,
  };
}
