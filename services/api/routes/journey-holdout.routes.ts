import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { JourneyHoldout } from '../../../lib/domain/journeys/journey-graph';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { journeyHoldoutKpis } from '../insights/journey-holdout-kpis';
import { getRow, idParams } from '../resource-routes';
import { iterationQuery, tags } from './insights.schemas';

const count = { type: 'integer' } as const;
const maybeNumber = { type: ['number', 'null'] } as const;
const group = {
  type: 'object',
  properties: { entered: count, reached: count, conversion_rate: maybeNumber },
} as const;

const holdoutResponse = {
  type: 'object',
  properties: {
    holdout: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: { share: { type: 'number' } },
    },
    treated: group,
    held_out: group,
    lift: {
      type: 'object',
      properties: { absolute: maybeNumber, ci_low: maybeNumber, ci_high: maybeNumber, relative: maybeNumber },
    },
  },
} as const;

/** GET /v1/insights/journeys/{id}/holdout: the goal's lift of treated over held-out contacts (docs/kpis.md#journey-holdout). */
export async function journeyHoldoutRoutes(app: FastifyInstance, { pool }: ApiDeps): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/journeys/:id/holdout',
    {
      schema: {
        tags,
        summary:
          "A journey holdout's lift: treated and held-out contacts entered, goal reached and conversion rate in each, the absolute lift (treated − held out) with its 95 % confidence interval (normal approximation) and the relative lift",
        params: idParams,
        querystring: iterationQuery,
        response: { 200: holdoutResponse },
      },
    },
    async (req) => {
      const journey = await getRow<{ id: string; settings: { holdout?: JourneyHoldout | null } }>(
        pool,
        'journeys',
        'journey',
        workspaceOf(req),
        req.params.id,
      );
      return journeyHoldoutKpis(
        pool,
        { id: journey.id, holdout: journey.settings.holdout ?? null },
        req.query.iteration,
      );
    },
  );
}
