import type { Pool } from 'pg';
import { goalLift, type Lift } from '../../../lib/domain/journeys/holdout';
import type { JourneyHoldout } from '../../../lib/domain/journeys/journey-graph';

/**
 * A journey holdout's lift (docs/kpis.md#journey-holdout), from PostgreSQL where the engine records both the group
 * (journey_contacts.held_out) and the goal (journey_goals): per group the contacts entered (per iteration) and
 * those that reached the goal, their conversion rates, and the goal's lift of treated over held out.
 */
export type JourneyHoldoutKpis = {
  holdout: JourneyHoldout | null;
  treated: GroupKpis;
  held_out: GroupKpis;
  lift: Lift;
};

type GroupKpis = { entered: number; reached: number; conversion_rate: number | null };

const group = (entered: number, reached: number): GroupKpis => ({
  entered,
  reached,
  conversion_rate: entered === 0 ? null : reached / entered,
});

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
