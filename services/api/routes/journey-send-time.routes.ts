import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { journeySendTimeKpis } from '../insights/journey-send-time-kpis';
import { getRow, idParams } from '../resource-routes';
import { iterationQuery, tags } from './insights.schemas';

const hours = { type: 'number' } as const;
const sendTimeResponse = {
  type: 'object',
  properties: {
    tiles: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          tile_id: { type: 'string' },
          delayed: { type: 'integer' },
          average_delay_hours: hours,
          max_delay_hours: hours,
          by_source: { type: 'object', additionalProperties: { type: 'integer' } },
        },
      },
    },
  },
} as const;

/** GET /v1/insights/journeys/{id}/send-time: contacts held for their send time, per email tile (docs/kpis.md#send-time-optimisation). */
export async function journeySendTimeRoutes(app: FastifyInstance, { pool, clickhouse }: ApiDeps): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/journeys/:id/send-time',
    {
      schema: {
        tags,
        summary:
          "Send-time optimisation of a journey's email tiles: per tile, the contacts held until their best hour, the average and longest delay in hours, and whose history chose the hour (contact, fallback_hour, workspace)",
        params: idParams,
        querystring: iterationQuery,
        response: { 200: sendTimeResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      // NOTE: the journey is looked up in the caller's workspace first (404 otherwise), and ClickHouse is read
      // for that workspace and journey only.
      const journey = await getRow<{ id: string }>(pool, 'journeys', 'journey', workspaceId, req.params.id);
      return journeySendTimeKpis(clickhouse, { workspaceId, journeyId: journey.id }, req.query.iteration);
    },
  );
}
