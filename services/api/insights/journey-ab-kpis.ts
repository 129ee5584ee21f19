import type { Pool } from 'pg';
import { abVerdict } from '../../../lib/domain/journeys/ab-stats';
import { AB_WAITING_REASON, abConfigOf } from '../../../lib/domain/journeys/ab-test';
import {
  abVariantRows,
  completeRows,
  metricCounts,
  type AbVariantRow,
} from '../../../lib/domain/journeys/ab-test-counts';
import type { Tile } from '../../../lib/domain/journeys/journey-graph';
import type { AbVariantKpis, JourneyAbKpis } from './journey-ab-types';

const rate = (n: number, of: number): number | null => (of === 0 ? null : n / of);

interface TestRow {
  started_at: Date;
  ends_at: Date;
  decided_at: Date | null;
  winner: number | null;
  reason: string | null;
  waiting: number;
}

/** The test's window, decision and waiting contacts in the iteration (docs/kpis.md#ab-test). */
async function testRow(pool: Pool, journeyId: string, tileId: string, iteration: number): Promise<TestRow | undefined> {
  const { rows } = await pool.query<TestRow>(
    `SELECT d.started_at, d.ends_at, d.decided_at, d.winner, d.reason,
            (SELECT count(*)::int FROM journey_contacts jc WHERE jc.journey_id = d.journey_id AND jc.iteration = d.iteration
               AND jc.tile_id = d.tile_id AND jc.state = 'waiting') AS waiting
     FROM journey_ab_decisions d WHERE d.journey_id = $1 AND d.iteration = $2 AND d.tile_id = $3`,
    [journeyId, iteration, tileId],
  );
  return rows[0];
}

/** An A/B test tile's variants, statistics and decision, from PostgreSQL (JourneyAbKpis). */
export async function journeyAbKpis(
  pool: Pool,
  journey: { id: string; tile: Tile },
  iteration: number,
): Promise<JourneyAbKpis> {
  const config = abConfigOf(journey.tile);
  const n = config.variants.length;
  const test = { journeyId: journey.id, iteration, tileId: journey.tile.id };
  const inTest = completeRows(await abVariantRows(pool, { ...test, inTest: true }), n);
  const winners = completeRows(await abVariantRows(pool, { ...test, inTest: false }), n);
  const verdict = abVerdict(metricCounts(inTest, config.metric), {
    confidence: config.confidence,
    minSample: config.min_sample,
  });
  const row = await testRow(pool, journey.id, journey.tile.id, iteration);
  const variants = inTest.map((r: AbVariantRow, i): AbVariantKpis => {
    const comparison = verdict.comparisons.find((c) => c.variant === i);
    return {
      ...r,
      label: config.variants[i]?.label ?? '',
      email_id: config.variants[i]?.email_id ?? '',
      open_rate: rate(r.unique_opens, r.sent),
      click_rate: rate(r.unique_clicks, r.sent),
      goal_rate: rate(r.goal, r.sent),
      z: comparison?.z ?? null,
      p_value: comparison?.p_value ?? null,
      winner_sent: winners[i]?.requested ?? 0,
    };
  });
  const decided = row?.decided_at && row.winner !== null && row.reason !== null;
  return {
    tile_id: journey.tile.id,
    metric: config.metric,
    test_share: config.test_share,
    min_sample: config.min_sample,
    settle_minutes: config.settle_minutes,
    confidence: config.confidence,
    fallback: config.fallback,
    started_at: row?.started_at.toISOString() ?? null,
    ends_at: row?.ends_at.toISOString() ?? null,
    variants,
    leader: verdict.leader,
    confidence_reached: verdict.confidence,
    significant: verdict.significant,
    decision:
      decided && row.decided_at && row.winner !== null
        ? {
            winner: row.winner,
            label: config.variants[row.winner]?.label ?? '',
            reason: row.reason ?? '',
            decided_at: row.decided_at.toISOString(),
          }
        : null,
    waiting: { contacts: row?.waiting ?? 0, reason: AB_WAITING_REASON },
  };
}
