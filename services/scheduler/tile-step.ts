import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/postgres/pg-pool';
import { activeIteration, loadJourney } from './journey-runtime';
import { StepEffects } from './step-effects';
import { fail, handleArrivals, releaseDue, type Claimed, type StepContext } from './tile-handlers';

export interface StepResult {
  /** contacts this step moved */
  moved: number;
  /** tiles that received contacts (each needs a step job) */
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
async function claim(client: PoolClient, journeyId: string, tileId: string, iteration: number, limit: number, due: number | null): Promise<ClaimRow[]> {
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
  return rows;
}

interface ContactFacts {
  id: string;
  exists: boolean;
  time_zone: string | null;
  account_id: string | null;
  consent_level: number | null;
  unsubscribed: boolean;
  suppressed: boolean;
}

/**
 * Blocking before every tile (seed 004): unsubscribed from the journey's list, in its suppression segment, or
 * consent below its minimum. A contact deleted meanwhile, or a deleted list, fails the tile instead.
 */
async function screen(ctx: StepContext, rows: ClaimRow[]): Promise<Claimed[]> {
  const settings = ctx.journey.row.settings;
  const listId = settings.list_id ?? null;
  const { rows: facts } = await ctx.client.query<ContactFacts>(
    `SELECT x.id, c.id IS NOT NULL AS exists, c.time_zone, c.account_id, c.consent_level,
            (lm.unsubscribed_at IS NOT NULL) AS unsubscribed, (sm.contact_id IS NOT NULL) AS suppressed
     FROM unnest($1::uuid[]) AS x(id)
     LEFT JOIN contacts c ON c.id = x.id
     LEFT JOIN list_memberships lm ON lm.list_id = $2::uuid AND lm.contact_id = x.id
     LEFT JOIN segment_members sm ON sm.segment_id = $3::uuid AND sm.contact_id = x.id`,
    [rows.map((r) => r.contact_id), listId, settings.suppression_segment_id ?? null],
  );
  const listGone = listId !== null && (await ctx.client.query('SELECT 1 FROM subscription_lists WHERE id = $1', [listId])).rowCount === 0;
  const byId = new Map(facts.map((f) => [f.id, f]));
  const passed: Claimed[] = [];
  for (const row of rows) {
    const f = byId.get(row.contact_id);
    const c: Claimed = { iteration: row.iteration, contactId: row.contact_id, accountId: row.account_id, timeZone: f?.time_zone ?? null };
    const reason = !f?.exists ? null : f.unsubscribed ? 'unsubscribed' : f.suppressed ? 'suppression_segment' : (f.consent_level ?? 0) < (settings.min_consent ?? 0) ? 'consent_below_minimum' : null;
    if (!f?.exists) fail(ctx, c, 'JOURNEY_CONTACT_MISSING', `contact ${row.contact_id}`);
    else if (listGone) fail(ctx, c, 'JOURNEY_LIST_MISSING', `list ${listId}`);
    else if (reason) {
      ctx.effects.event('tile_blocked', ctx.tile, c.iteration, c.contactId, reason);
      ctx.effects.moves.push({ iteration: c.iteration, contactId: c.contactId, tileId: ctx.tile.id, state: 'blocked', dueAt: null });
    } else passed.push(c);
  }
  return passed;
}

const toClaimed = (rows: ClaimRow[]): Claimed[] => rows.map((r) => ({ iteration: r.iteration, contactId: r.contact_id, accountId: r.account_id, timeZone: null }));

/**
 * One tile step: one transaction that claims a batch of contacts at a tile, applies the tile to all of them
 * and writes their moves with every side effect (StepEffects). Nothing happens outside the journey's schedule
 * or once the journey is no longer live: the share lock on the journey row makes an API stop wait for a
 * running step, and every later step sees the new status.
 */
export async function runTileStep(pool: Pool, options: { journeyId: string; tileId: string; now: number; batchSize: number }): Promise<StepResult> {
  return inTransaction(pool, async (client) => {
    const journey = await loadJourney(client, options.journeyId, true);
    if (!journey) return NOTHING;
    const iteration = activeIteration(journey, options.now);
    const tile = journey.index.byId.get(options.tileId);
    if (iteration === null || !tile) return NOTHING;
    const effects = new StepEffects();
    const ctx: StepContext = { client, journey, tile, now: options.now, effects };
    const arrivals = await claim(client, journey.row.id, tile.id, iteration, options.batchSize, null);
    // Entry put these contacts at the segment tile; their inflow there is counted with the step that moves them.
    if (tile.type === 'segment') for (const row of arrivals) effects.event('tile_inflow', tile, row.iteration, row.contact_id);
    if (arrivals.length > 0) await handleArrivals(ctx, await screen(ctx, arrivals));
    const holds = tile.type === 'trigger' || tile.type === 'scheduler';
    const due = holds ? await claim(client, journey.row.id, tile.id, iteration, options.batchSize - arrivals.length, options.now) : [];
    if (due.length > 0) await releaseDue(ctx, toClaimed(due));
    await effects.write(client, { id: journey.row.id, workspaceId: journey.row.workspace_id }, options.now);
    return summarize(effects, arrivals.length + due.length >= options.batchSize);
  });
}

function summarize(effects: StepEffects, full: boolean): StepResult {
  const nextTiles = new Set<string>();
  let wokenHere = false;
  for (const move of effects.moves) {
    if (move.state === 'at') nextTiles.add(move.tileId);
    if (move.state === 'waiting' && move.dueAt === 0) wokenHere = true;
  }
  return {
    moved: effects.moves.length,
    nextTiles: [...nextTiles],
    more: full || wokenHere,
    outbox: effects.events.length + effects.sends.length + effects.webhooks.length > 0,
  };
}
