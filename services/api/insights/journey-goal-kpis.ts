import type { Pool } from 'pg';
import type { JourneyGoal } from '../../../lib/domain/journeys/journey-graph';
import type { JourneyGoalKpis } from './journey-goal-types';

/** A journey's goal progress, counted in PostgreSQL where the engine records it (JourneyGoalKpis). */
export async function journeyGoalKpis(
  pool: Pool,
  journey: { id: string; goal: JourneyGoal | null },
  iteration?: number,
): Promise<JourneyGoalKpis> {
  const args = [journey.id, iteration ?? null];
  const { rows: entered } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM journey_contacts WHERE journey_id = $1 AND ($2::int IS NULL OR iteration = $2)',
    args,
  );
  const { rows: tiles } = await pool.query<{ tile_id: string; reached: number; exited: number }>(
    `SELECT tile_id, count(*)::int AS reached, count(*) FILTER (WHERE exited)::int AS exited FROM journey_goals
     WHERE journey_id = $1 AND ($2::int IS NULL OR iteration = $2) GROUP BY tile_id ORDER BY tile_id`,
    args,
  );
  const total = entered[0]?.n ?? 0;
  const reached = tiles.reduce((sum, t) => sum + t.reached, 0);
  const share = total === 0 ? 0 : reached / total;
  const target = journey.goal?.target_share ?? null;
  return {
    goal: journey.goal,
    entered: total,
    reached,
    reached_share: share,
    target_share: target,
    on_target: target !== null && total > 0 && share >= target,
    exited: tiles.reduce((sum, t) => sum + t.exited, 0),
    tiles,
  };
}
