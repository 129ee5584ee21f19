import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { getRow, idParams } from '../resource-routes';
import {
  pageLoadsOf,
  popularPages,
  websiteCountries,
  websiteKpis,
  websiteTimeline,
  type TimelineInterval,
  type WebsiteFilter,
} from '../insights/website-kpis';
import { workspaceTimeZone } from './workspaces.routes';
import { dates } from './insights.routes';
import { anyObject, range, tags } from './insights.schemas';

const websiteQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    interval: {
      type: 'string',
      enum: ['day', 'hour'],
      default: 'day',
      description: "the timeline's period, in the workspace's time zone",
    },
    loads: {
      type: 'integer',
      minimum: 0,
      maximum: 1000,
      default: 100,
      description: 'how many of the latest page loads to list',
    },
  },
} as const;

interface WebsiteInsightsRequest {
  Params: { id: string };
  Querystring: { from?: string; to?: string; interval?: TimelineInterval; loads?: number };
}

/**
 * GET /v1/insights/websites/{id} (docs/api.md#website-insights): the KPI card, the most popular pages, the visitors'
 * countries, the timeline of page loads and the latest loads, from ClickHouse (docs/kpis.md#website-kpis).
 */
export async function websiteInsightsRoutes(app: FastifyInstance, { pool, clickhouse }: ApiDeps): Promise<void> {
  app.get<WebsiteInsightsRequest>(
    '/v1/insights/websites/:id',
    {
      schema: {
        tags,
        summary:
          'Website KPIs (page loads, unique and known visitors, link clicks), popular pages, countries, timeline and latest page loads',
        params: idParams,
        querystring: websiteQuery,
        response: { 200: anyObject },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      await getRow(pool, 'websites', 'website', workspaceId, req.params.id);
      const timeZone = await workspaceTimeZone(pool, workspaceId);
      const filter: WebsiteFilter = { workspaceId, websiteId: req.params.id, timeZone, ...dates(req.query) };
      const interval = req.query.interval ?? 'day';
      const [kpis, pages, countries, timeline, loads] = await Promise.all([
        websiteKpis(clickhouse, filter),
        popularPages(clickhouse, filter),
        websiteCountries(clickhouse, filter),
        websiteTimeline(clickhouse, filter, interval),
        pageLoadsOf(clickhouse, filter, req.query.loads ?? 100),
      ]);
      return { ...kpis, timeZone, interval, pages, countries, timeline, recentLoads: loads };
    },
  );
}
