import type { Pool, PoolClient } from 'pg';
import type { JourneyGraph, JourneySettings } from '../../../lib/domain/journeys/journey-graph';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import { ApiProblem } from '../api-problem';
import { getRow } from '../resource-routes';

export interface JourneyRow {
  id: string;
  status: string;
  graph: JourneyGraph;
  settings: JourneySettings;
}

/** draft → live → stopped; completed is set by the journey engine when the schedule ends, paused by its breaker. */
export async function transition(
  pool: Pool,
  workspaceId: string,
  id: string,
  from: string | readonly string[],
  to: string,
  note: string,
  guard?: (client: PoolClient, journey: JourneyRow) => Promise<void>,
  beforeLock?: (client: PoolClient) => Promise<void>,
) {
  return inTransaction(pool, async (client) => {
    await beforeLock?.(client);
    const journey = await getRow<JourneyRow>(client, 'journeys', 'journey', workspaceId, id, true);
    const allowed: readonly string[] = typeof from === 'string' ? [from] : from;
    if (!allowed.includes(journey.status))
      throw new ApiProblem(
        409,
        `the journey is ${journey.status}; only a ${allowed.join(' or ')} journey can become ${to}`,
        [{ field: 'status', message: journey.status }],
      );
    await guard?.(client, journey);
    const { rows } = await client.query(
      `UPDATE journeys SET status = $2, updated_at = now()${journey.status === 'draft' ? ', went_live_at = now()' : ''} WHERE id = $1 RETURNING *`,
      [id, to],
    );
    await client.query(
      'INSERT INTO journey_milestones (journey_id, workspace_id, status, note) VALUES ($1, $2, $3, $4)',
      [id, workspaceId, to, note],
    );
    return rows[0];
  });
}
