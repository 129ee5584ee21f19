import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { leadInsights } from '../insights/lead-insights';
import { scoringModelInsights, versionOf } from '../insights/scoring-insights';
import { getRow, idParams } from '../resource-routes';
import { tags } from './insights.schemas';

const count = { type: 'integer' } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

const modelInsightsResponse = {
  type: 'object',
  properties: {
    model_id: { type: 'string' },
    version: count,
    threshold: { type: 'number' },
    half_life_days: { type: ['number', 'null'] },
    leads_processed: count,
    crossed: count,
    per_day: {
      type: 'array',
      items: { type: 'object', properties: { day: { type: 'string' }, leads: count, entries: count } },
    },
    distribution: {
      type: 'array',
      items: {
        type: 'object',
        properties: { from: { type: ['number', 'null'] }, to: { type: ['number', 'null'] }, leads: count },
      },
    },
    crossed_leads: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          contact_id: { type: 'string' },
          lead_id: { type: ['string', 'null'] },
          crossed_at: { type: 'string' },
          score: { type: 'number' },
        },
      },
    },
  },
} as const;

const leadInsightsResponse = {
  type: 'object',
  properties: {
    lead_id: { type: 'string' },
    contact_id: { type: ['string', 'null'] },
    title: { type: 'string' },
    status: { type: 'string' },
    created_at: { type: 'string' },
    age_days: { type: 'number' },
    source: anyObject,
    scores: { type: 'array', items: anyObject },
    interactions: anyObject,
  },
} as const;

const versionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { version: { type: 'integer', minimum: 1, description: 'default: the live version, else the last' } },
} as const;

/** GET /v1/insights/scoring-models/{id} and /v1/insights/leads/{id} (docs/kpis.md#lead-scoring). */
export async function scoringInsightsRoutes(app: FastifyInstance, { pool, clickhouse }: ApiDeps): Promise<void> {
  const typed = app.withTypeProvider<JsonSchemaToTsProvider>();
  typed.get(
    '/v1/insights/scoring-models/:id',
    {
      schema: {
        tags,
        summary:
          "A lead scoring model version's insights: leads processed per day, the distribution of scores now, the leads that crossed its threshold",
        params: idParams,
        querystring: versionQuery,
        response: { 200: modelInsightsResponse },
      },
    },
    async (req) => {
      const model = await getRow<{ id: string; live_version: number | null }>(
        pool,
        'scoring_models',
        'scoring model',
        workspaceOf(req),
        req.params.id,
      );
      return scoringModelInsights(pool, await versionOf(pool, model, req.query.version));
    },
  );
  typed.get(
    '/v1/insights/leads/:id',
    {
      schema: {
        tags,
        summary:
          "A lead's insights: its age, source (origin), its contact's scores over time per scoring model version, and the contact's interactions",
        params: idParams,
        response: { 200: leadInsightsResponse },
      },
    },
    async (req) => leadInsights(pool, clickhouse, workspaceOf(req), req.params.id, Date.now()),
  );
}
