import { abConfigOf, abVariantOf, type AbTestConfig } from '../../lib/domain/journeys/ab-test';
import { sendEmail } from './email-send';
import { rest, type Claimed, type StepContext } from './tile-moves';

// The A/B test tile's step (docs/scheduler.md#ab-test): the in-test share is sent its variants at once, the rest
// waits at the tile until the decision (ab-test-decision.ts), then is sent the winner.

const HOUR_MS = 3_600_000;

interface OpenTest {
  endsAt: number;
  winner: number | null;
}

/**
 * The iteration's test at this tile, opened by the first contact to reach it (the window starts then). FOR SHARE:
 * a decision (an UPDATE of the row) waits for this step to commit, then releases the contacts it left waiting;
 * a step that comes after a decision reads its winner.
 */
async function openTest(ctx: StepContext, config: AbTestConfig, iteration: number): Promise<OpenTest> {
  const key = [ctx.journey.row.id, iteration, ctx.tile.id];
  await ctx.client.query(
    `INSERT INTO journey_ab_decisions (journey_id, iteration, tile_id, workspace_id, started_at, ends_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      ...key,
      ctx.journey.row.workspace_id,
      new Date(ctx.now).toISOString(),
      new Date(ctx.now + config.duration_hours * HOUR_MS).toISOString(),
    ],
  );
  const { rows } = await ctx.client.query<{ ends_at: Date; winner: number | null }>(
    `SELECT ends_at, winner FROM journey_ab_decisions WHERE journey_id = $1 AND iteration = $2 AND tile_id = $3 FOR SHARE`,
    key,
  );
  const row = rows[0];
  if (!row) throw new Error(`A/B test ${ctx.tile.id} of journey ${ctx.journey.row.id} vanished`);
  return { endsAt: row.ends_at.getTime(), winner: row.winner };
}

/** Sends one variant to its contacts and records who got which (the test's counts join on it). */
async function sendVariant(
  ctx: StepContext,
  config: AbTestConfig,
  variant: number,
  contacts: Claimed[],
  inTest: boolean,
): Promise<void> {
  const emailId = config.variants[variant]?.email_id ?? '';
  const sent = await sendEmail(ctx, contacts, emailId);
  if (sent.length === 0) return;
  // NOTE: one row per (journey, iteration, tile, contact), written in the step's transaction with the send request
  // it describes, so a replayed step writes neither twice (the send request's key is the same tuple).
  await ctx.client.query(
    `INSERT INTO journey_ab_sends (journey_id, iteration, tile_id, contact_id, variant, in_test)
     SELECT $1, i, $2, c, $3, $4 FROM unnest($5::int[], $6::uuid[]) AS x(i, c) ON CONFLICT DO NOTHING`,
    [ctx.journey.row.id, ctx.tile.id, variant, inTest, sent.map((c) => c.iteration), sent.map((c) => c.contactId)],
  );
}

async function iterationArrivals(ctx: StepContext, config: AbTestConfig, contacts: Claimed[]): Promise<void> {
  const test = await openTest(ctx, config, (contacts[0] as Claimed).iteration);
  if (test.winner !== null) return sendVariant(ctx, config, test.winner, contacts, false);
  const groups = config.variants.map((): Claimed[] => []);
  for (const c of contacts) {
    const variant = abVariantOf(config, ctx.journey.row.id, ctx.tile.id, c.contactId);
    // waiting for the winner (Processing, docs/kpis.md#ab-test); the decision makes them due at once, the end
    // of the window at the latest (the tick decides by the fallback first)
    if (variant === null) rest(ctx, c, 'waiting', test.endsAt);
    else groups[variant]?.push(c);
  }
  for (const [variant, group] of groups.entries())
    if (group.length > 0) await sendVariant(ctx, config, variant, group, true);
}

/** Arrivals and released contacts (quiet hours, the decision) at an A/B test tile, per iteration. */
export async function abArrivals(ctx: StepContext, contacts: Claimed[]): Promise<void> {
  const config = abConfigOf(ctx.tile);
  const byIteration = new Map<number, Claimed[]>();
  for (const c of contacts) byIteration.set(c.iteration, [...(byIteration.get(c.iteration) ?? []), c]);
  for (const group of byIteration.values()) await iterationArrivals(ctx, config, group);
}
