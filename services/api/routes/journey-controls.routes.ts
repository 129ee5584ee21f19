import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { journeyControlsKpis, type ControlledJourney } from '../insights/journey-controls-kpis';
import { getRow, idParams } from '../resource-routes';
import { iterationQuery, tags } from './insights.schemas';
import { workspaceTimeZone } from './workspaces.routes';

const count = { type: 'integer' } as const;
const maybeTime = { type: ['string', 'null'], format: 'date-time' } as const;
const window = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { start: { type: 'string' }, end: { type: 'string' }, spread_minutes: count },
} as const;

const controlsResponse = {
  type: 'object',
  properties: {
    frequency_cap: {
      type: 'object',
      properties: {
        transactional: { type: 'boolean' },
        rules: {
          type: 'array',
          items: { type: 'object', properties: { max_sends: count, window_hours: count } },
        },
        capped: count,
        capped_by_tile: {
          type: 'array',
          items: { type: 'object', properties: { tile_id: { type: 'string' }, capped: count } },
        },
      },
    },
    quiet_hours: {
      type: 'object',
      properties: {
        window,
        source: { type: 'string', enum: ['journey', 'workspace', 'none'] },
        held_now: count,
        held_total: count,
        next_release_at: maybeTime,
      },
    },
    entry_pacing: {
      type: 'object',
      properties: {
        settings: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            max_contacts: count,
            per: { type: 'string' },
            weekdays: { type: ['array', 'null'], items: count },
          },
        },
        queued_now: count,
        queued_total: count,
        admitted_in_period: count,
        period_start: maybeTime,
      },
    },
  },
} as const;

/** GET /v1/insights/journeys/{id}/controls: frequency cap, quiet hours and entry pacing at work (docs/kpis.md#journey-controls). */
export async function journeyControlsRoutes(app: FastifyInstance, { pool, clickhouse }: ApiDeps): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/journeys/:id/controls',
    {
      schema: {
        tags,
        summary:
          "A journey's marketing controls at work: contacts the frequency cap blocked (per email tile) and the rules that apply, contacts quiet hours hold now and the next release, contacts queued by entry pacing and the count of the current period",
        params: idParams,
        querystring: iterationQuery,
        response: { 200: controlsResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const journey = await getRow<ControlledJourney>(pool, 'journeys', 'journey', workspaceId, req.params.id);
      const filter = {
        workspaceId,
        journeyId: journey.id,
        iteration: req.query.iteration,
        timeZone: await workspaceTimeZone(pool, workspaceId),
      };
      return journeyControlsKpis(pool, clickhouse, journey, filter);
    },
  );
}
