import type { Pool } from 'pg';
import { goalLift } from '../../../lib/domain/journeys/goal-lift';
import type { JourneyHoldout } from '../../../lib/domain/journeys/journey-graph';
import type { GroupKpis, JourneyHoldoutKpis } from './journey-goal-types';

const group = (entered: number, reached: number): GroupKpis => ({
  entered,
  reached,
  conversion_rate: entered === 0 ? null : reached / entered,
});

/** A journey holdout's groups and the goal's lift, from PostgreSQL (JourneyHoldoutKpis). */
export async function journeyHoldoutKpis(
  pool: Pool,
  journey: { id: string; holdout: JourneyHoldout | null },
  iteration?: number,
): Promise<JourneyHoldoutKpis> {
  const { rows } = await pool.query<{ held_out: boolean; entered: number; reached: number }>(
    `SELECT jc.held_out, count(*)::int AS entered, count(g.contact_id)::int AS reached
     FROM journey_contacts jc
     LEFT JOIN journey_goals g ON g.journey_id = jc.journey_id AND g.iteration = jc.iteration AND g.contact_id = jc.contact_id
     WHERE jc.journey_id = $1 AND ($2::int IS NULL OR jc.iteration = $2)
     GROUP BY jc.held_out`,
    [journey.id, iteration ?? null],
  );
  const of = (heldOut: boolean) => rows.find((r) => r.held_out === heldOut) ?? { entered: 0, reached: 0 };
  const treated = of(false);
  const held = of(true);
  return {
    holdout: journey.holdout,
    treated: group(treated.entered, treated.reached),
    held_out: group(held.entered, held.reached),
    lift: goalLift(treated, held),
  };
}
