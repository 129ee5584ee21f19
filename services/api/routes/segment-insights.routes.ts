import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { segmentInsights } from '../insights/segment-membership';
import { getRow, idParams } from '../resource-routes';
import { range, tags } from './insights.schemas';
import { workspaceTimeZone } from './workspaces.routes';

const count = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;

const segmentQuery = { type: 'object', additionalProperties: false, properties: range } as const;

const segmentInsightsResponse = {
  type: 'object',
  additionalProperties: false,
  properties: {
    segment: {
      type: 'object',
      additionalProperties: false,
      properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } },
    },
    member_count: count('members now'),
    from: { type: 'string', format: 'date' },
    to: { type: 'string', format: 'date' },
    days: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          day: { type: 'string', format: 'date' },
          entered: count('contacts that joined the segment that day'),
          exited: count('contacts that left it that day (erasure and deleted contacts included)'),
          members: {
            type: ['integer', 'null'],
            description:
              'members at the end of the day; null on a day not counted (before the segment or before counting began)',
          },
        },
      },
    },
    journeys: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          status: { type: 'string' },
          uses: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                how: { type: 'string', enum: ['entry', 'exclusion', 'suppression'] },
                tile_id: {
                  type: ['string', 'null'],
                  description: 'the segment tile; null for the suppression segment',
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** GET /v1/insights/segments/{id}: members over time, entries and exits per day, the journeys using it. */
export async function segmentInsightsRoutes(app: FastifyInstance, { pool }: ApiDeps): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/segments/:id',
    {
      schema: {
        tags,
        summary:
          "A segment's members at the end of each day, contacts entered and exited per day (the workspace's days), members now, and the journeys that use it (entry tile, exclusion, suppression)",
        params: idParams,
        querystring: segmentQuery,
        response: { 200: segmentInsightsResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const segment = await getRow<{ id: string; name: string; kind: string }>(
        pool,
        'segments',
        'segment',
        workspaceId,
        req.params.id,
      );
      const timeZone = await workspaceTimeZone(pool, workspaceId);
      return segmentInsights(pool, { ...segment, workspaceId, timeZone }, req.query);
    },
  );
}
