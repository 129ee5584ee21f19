import type { Pool } from 'pg';
import type { JourneySettings } from '../../../lib/domain/journeys/journey-graph';
import { startedIterations } from '../../../lib/domain/journeys/journey-iterations';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { getRow, idParams } from '../resource-routes';
import { tags } from './journeys.schemas';

const iteration = {
  type: 'object',
  required: ['iteration', 'starts_at', 'ends_at', 'state', 'entered', 'insights'],
  properties: {
    iteration: { type: 'integer', minimum: 0 },
    starts_at: { type: 'string', format: 'date-time' },
    ends_at: { type: 'string', format: 'date-time' },
    state: { type: 'string', enum: ['running', 'ended'] },
    entered: { type: 'integer', description: 'contacts that entered the journey in this iteration' },
    insights: { type: 'string', description: "the iteration's tile KPIs: GET this path" },
  },
} as const;

const iterationList = {
  type: 'object',
  required: ['time_zone', 'recurring', 'items'],
  properties: {
    time_zone: { type: 'string' },
    recurring: {
      type: ['object', 'null'],
      properties: { interval_days: { type: 'integer' }, count: { type: 'integer' } },
    },
    items: { type: 'array', items: iteration },
  },
} as const;

interface Journey {
  status: string;
  settings: JourneySettings | null;
}

/** Until when the journey ran: now, or when it was stopped (a stopped journey starts no iteration after that). */
async function ranUntil(pool: Pool, workspaceId: string, id: string, status: string, now: number): Promise<number> {
  if (status !== 'stopped') return now;
  const { rows } = await pool.query<{ at: Date }>(
    "SELECT max(at) AS at FROM journey_milestones WHERE workspace_id = $1 AND journey_id = $2 AND status = 'stopped'",
    [workspaceId, id],
  );
  return rows[0]?.at ? Math.min(rows[0].at.getTime(), now) : now;
}

/**
 * The iterations of a journey that have started (docs/api.md#iterations, docs/scheduler.md#recurring-journeys), with
 * the windows the journey engine uses (the same function), the contacts that entered each (journey_contacts) and
 * the path of its tile KPIs. A draft has none; a stopped journey none after its stop.
 */
export function iterationsRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/journeys/:id/iterations',
    {
      schema: {
        tags,
        summary: 'Iterations of a journey that have started: window, state, contacts entered, tile KPIs path',
        params: idParams,
        response: { 200: iterationList },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      const journey = await getRow<Journey>(pool, 'journeys', 'journey', workspaceId, id);
      const now = Date.now();
      const until = await ranUntil(pool, workspaceId, id, journey.status, now);
      const windows = journey.status === 'draft' ? [] : startedIterations(journey.settings, until);
      // journey_contacts has no workspace column: the journey was found in the caller's workspace above.
      const { rows } = await pool.query<{ iteration: number; entered: number }>(
        'SELECT iteration, count(*)::int AS entered FROM journey_contacts WHERE journey_id = $1 GROUP BY iteration',
        [id],
      );
      const entered = new Map(rows.map((r) => [r.iteration, r.entered]));
      const running = journey.status === 'live' || journey.status === 'paused';
      return {
        time_zone: journey.settings?.time_zone || 'UTC',
        recurring: journey.settings?.recurring ?? null,
        items: windows.map((w) => ({
          iteration: w.iteration,
          starts_at: new Date(w.startsAt).toISOString(),
          ends_at: new Date(w.endsAt).toISOString(),
          state: running && now < w.endsAt ? ('running' as const) : ('ended' as const),
          entered: entered.get(w.iteration) ?? 0,
          insights: `/v1/insights/journeys/${id}/tiles?iteration=${w.iteration}`,
        })),
      };
    },
  );
}
