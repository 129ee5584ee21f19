import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { JourneyGoal } from '../../../lib/domain/journeys/journey-graph';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { journeyGoalKpis } from '../insights/journey-goal-kpis';
import { getRow, idParams } from '../resource-routes';
import { iterationQuery, tags } from './insights.schemas';

const count = { type: 'integer' } as const;

const goalResponse = {
  type: 'object',
  properties: {
    goal: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        event: { type: 'string' },
        email_tile_id: { type: ['string', 'null'] },
        link_id: { type: ['string', 'null'] },
        form_id: { type: ['string', 'null'] },
        event_type: { type: ['string', 'null'] },
        target_share: { type: 'number' },
        exit: { type: 'boolean' },
      },
    },
    entered: count,
    reached: count,
    reached_share: { type: 'number' },
    target_share: { type: ['number', 'null'] },
    on_target: { type: 'boolean' },
    exited: count,
    tiles: {
      type: 'array',
      items: { type: 'object', properties: { tile_id: { type: 'string' }, reached: count, exited: count } },
    },
  },
} as const;

/** GET /v1/insights/journeys/{id}/goal: the journey goal's progress (docs/kpis.md#journey-goal). */
export async function journeyGoalRoutes(app: FastifyInstance, { pool }: ApiDeps): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/journeys/:id/goal',
    {
      schema: {
        tags,
        summary:
          "A journey goal's progress: contacts entered (per iteration), reached the goal, reached share against the target share, exited by it, and reached per tile (where each contact was when it reached it)",
        params: idParams,
        querystring: iterationQuery,
        response: { 200: goalResponse },
      },
    },
    async (req) => {
      const journey = await getRow<{ id: string; settings: { goal?: JourneyGoal | null } }>(
        pool,
        'journeys',
        'journey',
        workspaceOf(req),
        req.params.id,
      );
      return journeyGoalKpis(pool, { id: journey.id, goal: journey.settings.goal ?? null }, req.query.iteration);
    },
  );
}
