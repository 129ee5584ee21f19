import type { PoolClient } from 'pg';
import type { ErrorCode } from '../../lib/platform/errors';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import type { JourneyRuntime } from './journey-runtime';
import type { SendTimeReader } from './send-time-reader';
import type { StepEffects } from './step-effects';

// How a tile hands a contact on: to the next tile within the step, or to rest at this one (docs/scheduler.md#tiles).

/** A contact the step holds, with what the tiles need to know about it. */
export interface Claimed {
  iteration: number;
  contactId: string;
  accountId: string | null;
  timeZone: string | null;
  /** released from a hold at this email tile (quiet hours, send time): sent now, its time was chosen */
  released?: boolean;
}

export interface StepContext {
  client: PoolClient;
  journey: JourneyRuntime;
  tile: Tile;
  now: number;
  effects: StepEffects;
  /** engagement history for send-time optimisation; absent on entry, where such contacts wait for a step */
  sendTimes?: SendTimeReader;
  /** hands contacts to a tile later in the same step (contact-flow.ts) */
  arrive(tileId: string, contact: Claimed): void;
}

export const rest = (
  ctx: StepContext,
  c: Claimed,
  state: 'done' | 'failed' | 'blocked' | 'waiting',
  dueAt: number | null = null,
): void =>
  ctx.effects.move({
    iteration: c.iteration,
    contactId: c.contactId,
    accountId: c.accountId,
    tileId: ctx.tile.id,
    state,
    dueAt,
  });

/** Processed here, then on to `to` within the same step (or done at this tile when it has no next tile). */
export function advance(ctx: StepContext, c: Claimed, to: string | undefined, path?: string): void {
  const { tile, effects } = ctx;
  effects.event('tile_processed', tile, c.iteration, c.contactId);
  if (path !== undefined) effects.event('tile_path_taken', tile, c.iteration, c.contactId, path);
  handOn(ctx, c, to, 'done');
}

/** On to `to` within the same step, or at rest here in `last` when there is no next tile. */
function handOn(ctx: StepContext, c: Claimed, to: string | undefined, last: 'done' | 'blocked'): void {
  const target = to ? ctx.journey.index.byId.get(to) : undefined;
  if (!target) return rest(ctx, c, last);
  ctx.effects.event('tile_inflow', target, c.iteration, c.contactId);
  ctx.arrive(target.id, c);
}

/**
 * Blocked at this tile (its Blocked KPI, by reason) yet on along the journey's path, as a frequency-capped email
 * does (docs/scheduler.md#frequency-cap): not processed here, so Inflow = Processed + Blocked + Failed + Processing
 * still holds; with no next tile it rests here, blocked.
 */
export function blockAndGoOn(ctx: StepContext, c: Claimed, reason: string, to: string | undefined): void {
  ctx.effects.event('tile_blocked', ctx.tile, c.iteration, c.contactId, reason);
  handOn(ctx, c, to, 'blocked');
}

export function fail(ctx: StepContext, c: Claimed, code: ErrorCode, message: string): void {
  ctx.effects.event('tile_failed', ctx.tile, c.iteration, c.contactId, `${code}|${message}`);
  rest(ctx, c, 'failed');
}

export function block(ctx: StepContext, c: Claimed, reason: string): void {
  ctx.effects.event('tile_blocked', ctx.tile, c.iteration, c.contactId, reason);
  rest(ctx, c, 'blocked');
}
