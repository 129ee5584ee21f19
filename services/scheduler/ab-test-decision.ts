import type { Pool, PoolClient } from 'pg';
import type { JourneyEvent } from '../../lib/contracts/events/event-types';
import { abVerdict, bestObserved, type AbVerdict } from '../../lib/domain/journeys/ab-stats';
import { abConfigOf, type AbTestConfig } from '../../lib/domain/journeys/ab-test';
import { abVariantRows, completeRows, metricCounts } from '../../lib/domain/journeys/ab-test-counts';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import type { JourneyRuntime } from './journey-runtime';
import type { AbDecidedPayload } from './outbox-messages';
import { onceKey, tileEventId } from './tile-rules';

// The A/B test tile's decision (docs/scheduler.md#ab-test), made by the scheduler's tick: significance as soon as
// every variant has its minimum sample, else the fallback when the window ends.

export interface AbDecision {
  winner: number;
  reason: 'significant' | 'fallback';
  verdict: AbVerdict;
}

/** What the counts say now: a winner, or null to keep testing. */
export function decisionOf(
  config: AbTestConfig,
  counts: ReturnType<typeof metricCounts>,
  windowOver: boolean,
): AbDecision | null {
  const verdict = abVerdict(counts, { confidence: config.confidence, minSample: config.min_sample });
  if (verdict.significant && verdict.leader !== null) return { winner: verdict.leader, reason: 'significant', verdict };
  if (!windowOver) return null;
  const winner = config.fallback === 'first_variant' ? 0 : bestObserved(counts);
  return { winner, reason: 'fallback', verdict };
}

/** The contract's event of a decision; its id is derived from (journey, tile, iteration), so a relayed row keeps it. */
export function abDecidedEvent(payload: AbDecidedPayload): JourneyEvent<'ab_test_decided'> {
  const { v: _v, event_time, ...rest } = payload;
  const key = onceKey({
    journeyId: payload.journey_id,
    tileId: payload.tile_id,
    iteration: payload.iteration,
    subjectId: 'decision',
  });
  return {
    type: 'ab_test_decided',
    data: { ...rest, event_id: tileEventId('ab_test_decided', key), event_time, contact_id: '', tile_type: 'ab_test' },
  };
}

/** Records the decision with its milestone and event, and makes the contacts waiting at the tile due now. */
async function record(
  client: PoolClient,
  journey: JourneyRuntime,
  test: { iteration: number; tile: Tile; config: AbTestConfig },
  decision: AbDecision,
  detail: { now: number; counts: ReturnType<typeof completeRows> },
): Promise<void> {
  const { iteration, tile, config } = test;
  const stats = { variants: detail.counts, metric: config.metric, ...decision.verdict };
  await client.query(
    `UPDATE journey_ab_decisions SET decided_at = $4, winner = $5, reason = $6, stats = $7
     WHERE journey_id = $1 AND iteration = $2 AND tile_id = $3`,
    [journey.row.id, iteration, tile.id, new Date(detail.now).toISOString(), decision.winner, decision.reason, stats],
  );
  const winner = config.variants[decision.winner] ?? { email_id: '', label: '' };
  await client.query(
    'INSERT INTO journey_milestones (journey_id, workspace_id, status, note) VALUES ($1, $2, $3, $4)',
    [
      journey.row.id,
      journey.row.workspace_id,
      'ab_test_decided',
      `tile ${tile.id}, iteration ${iteration}: variant ${winner.label} won (${decision.reason}, confidence ${decision.verdict.confidence.toFixed(3)})`,
    ],
  );
  const payload: AbDecidedPayload = {
    v: 1,
    workspace_id: journey.row.workspace_id,
    journey_id: journey.row.id,
    tile_id: tile.id,
    iteration,
    event_time: detail.now,
    reason: decision.reason,
    metric: config.metric,
    winner_variant: decision.winner,
    winner_label: winner.label,
    winner_email_id: winner.email_id,
  };
  await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('ab_decided', $1)`, [JSON.stringify(payload)]);
  // SKIP LOCKED: a step holding some of them (it waits for this row) reads the winner once this commits
  await client.query(
    `UPDATE journey_contacts SET due_at = 'epoch' WHERE (journey_id, iteration, contact_id) IN (
       SELECT journey_id, iteration, contact_id FROM journey_contacts
       WHERE journey_id = $1 AND iteration = $2 AND tile_id = $3 AND state = 'waiting' FOR UPDATE SKIP LOCKED)`,
    [journey.row.id, iteration, tile.id],
  );
}

/**
 * Decides the iteration's test at the tile when its counts or its window say so; returns whether it decided now.
 *
 * NOTE: exactly once. The test's row is locked (FOR UPDATE) and read first: a decided test, or one a second
 * replica is deciding, is left alone, and the decision, its milestone and its outbox row commit together.
 */
async function decideOne(
  client: PoolClient,
  journey: JourneyRuntime,
  iteration: number,
  tile: Tile,
  now: number,
): Promise<boolean> {
  const { rows } = await client.query<{ ends_at: Date; decided_at: Date | null }>(
    `SELECT ends_at, decided_at FROM journey_ab_decisions WHERE journey_id = $1 AND iteration = $2 AND tile_id = $3 FOR UPDATE`,
    [journey.row.id, iteration, tile.id],
  );
  const test = rows[0];
  if (!test || test.decided_at !== null) return false;
  const config = abConfigOf(tile);
  const windowOver = now >= test.ends_at.getTime();
  // before the window ends, significance counts only sends older than the settle time (docs/scheduler.md#ab-test)
  const sentBy = windowOver ? null : new Date(now - config.settle_minutes * 60_000);
  const scope = { journeyId: journey.row.id, iteration, tileId: tile.id, inTest: true };
  const counts = completeRows(await abVariantRows(client, scope, sentBy), config.variants.length);
  const decision = decisionOf(config, metricCounts(counts, config.metric), windowOver);
  if (decision === null) return false;
  await record(client, journey, { iteration, tile, config }, decision, { now, counts });
  return true;
}

/** The tick's pass over the journey's open A/B tests in the iteration; returns the tiles decided now. */
export async function decideAbTests(
  pool: Pool,
  journey: JourneyRuntime,
  iteration: number,
  now: number,
): Promise<string[]> {
  const tiles = journey.row.graph.tiles.filter((t) => t.type === 'ab_test');
  if (tiles.length === 0) return [];
  const { rows } = await pool.query<{ tile_id: string }>(
    'SELECT tile_id FROM journey_ab_decisions WHERE journey_id = $1 AND iteration = $2 AND decided_at IS NULL',
    [journey.row.id, iteration],
  );
  const decided: string[] = [];
  for (const { tile_id } of rows) {
    const tile = tiles.find((t) => t.id === tile_id);
    if (tile && (await inTransaction(pool, (client) => decideOne(client, journey, iteration, tile, now))))
      decided.push(tile_id);
  }
  return decided;
}
