/**
 * The shapes of the journey goal, holdout and send-time answers (GET /v1/insights/journeys/{id}/goal, /holdout and
 * /send-time), without any server import: services/api/insights computes them and the journey page under /ui reads
 * the same JSON with these types. Definitions: docs/kpis.md#journey-goal, docs/kpis.md#journey-holdout,
 * docs/kpis.md#send-time-optimisation.
 */
import type { Lift } from '../../../lib/domain/journeys/goal-lift';
import type { JourneyGoal, JourneyHoldout } from '../../../lib/domain/journeys/journey-graph';

/**
 * A journey's goal progress (docs/kpis.md#journey-goal), from PostgreSQL where the engine records it: contacts that
 * entered (per iteration, as the tile KPIs count them), those that reached the goal, their share against the
 * target, those the goal moved out, and the reached per tile (the tile each contact was at when it reached it).
 */
export type JourneyGoalKpis = {
  goal: JourneyGoal | null;
  entered: number;
  reached: number;
  reached_share: number;
  target_share: number | null;
  /** the reached share is at or above the target share */
  on_target: boolean;
  exited: number;
  tiles: Array<{ tile_id: string; reached: number; exited: number }>;
};

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

export type GroupKpis = { entered: number; reached: number; conversion_rate: number | null };

/** Per email tile with send-time optimisation: the contacts it held and for how long (docs/kpis.md#send-time-optimisation). */
export type SendTimeTile = {
  tile_id: string;
  delayed: number;
  average_delay_hours: number;
  max_delay_hours: number;
  by_source: Record<string, number>;
};
