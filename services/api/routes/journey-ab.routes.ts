import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { JourneyGraph } from '../../../lib/domain/journeys/journey-graph';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { notFound } from '../api-problem';
import { journeyAbKpis } from '../insights/journey-ab-kpis';
import { getRow } from '../resource-routes';
import { tags } from './insights.schemas';

const count = { type: 'integer' } as const;
const maybeNumber = { type: ['number', 'null'] } as const;
const maybeText = { type: ['string', 'null'] } as const;

const variant = {
  type: 'object',
  properties: {
    variant: count,
    label: { type: 'string' },
    email_id: { type: 'string' },
    requested: count,
    sent: count,
    unique_opens: count,
    unique_clicks: count,
    goal: count,
    open_rate: maybeNumber,
    click_rate: maybeNumber,
    goal_rate: maybeNumber,
    z: maybeNumber,
    p_value: maybeNumber,
    winner_sent: count,
  },
} as const;

const abResponse = {
  type: 'object',
  properties: {
    tile_id: { type: 'string' },
    metric: { type: 'string' },
    test_share: { type: 'number' },
    min_sample: count,
    settle_minutes: count,
    confidence: { type: 'number' },
    fallback: { type: 'string' },
    started_at: maybeText,
    ends_at: maybeText,
    variants: { type: 'array', items: variant },
    leader: { type: ['integer', 'null'] },
    confidence_reached: { type: 'number' },
    significant: { type: 'boolean' },
    decision: {
      type: ['object', 'null'],
      properties: {
        winner: count,
        label: { type: 'string' },
        reason: { type: 'string' },
        decided_at: { type: 'string' },
      },
    },
    waiting: { type: 'object', properties: { contacts: count, reason: { type: 'string' } } },
  },
} as const;

const params = {
  type: 'object',
  required: ['id', 'tileId'],
  properties: { id: { type: 'string', format: 'uuid' }, tileId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;

const query = {
  type: 'object',
  additionalProperties: false,
  properties: { iteration: { type: 'integer', minimum: 0, default: 0, description: 'the iteration (default 0)' } },
} as const;

/** GET /v1/insights/journeys/{id}/tiles/{tileId}/ab: an A/B test tile's variants, statistics and decision (docs/kpis.md#ab-test). */
export async function journeyAbRoutes(app: FastifyInstance, { pool }: ApiDeps): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/journeys/:id/tiles/:tileId/ab',
    {
      schema: {
        tags,
        summary:
          "An A/B test tile's test in one iteration: per variant sent, unique opens, unique clicks, goal and their rates, the leader's z and p-value against each, the confidence reached, the decision (winner, reason significant or fallback, when) and the contacts waiting for it",
        params,
        querystring: query,
        response: { 200: abResponse },
      },
    },
    async (req) => {
      const journey = await getRow<{ id: string; graph: JourneyGraph }>(
        pool,
        'journeys',
        'journey',
        workspaceOf(req),
        req.params.id,
      );
      const tile = journey.graph.tiles.find((t) => t.id === req.params.tileId && t.type === 'ab_test');
      if (!tile) throw notFound('A/B test tile');
      return journeyAbKpis(pool, { id: journey.id, tile }, req.query.iteration ?? 0);
    },
  );
}
