import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { Pool } from 'pg';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { idParams } from '../resource-routes';
import { readRedirect } from '../redirect-url.store';
import { redirectClicks, redirectInsights, type RedirectFilter } from '../insights/redirect-url-kpis';
import type { RedirectClick } from '../insights/redirect-url-types';
import { workspaceTimeZone } from './workspaces.routes';
import { dates, sendCsv } from './insights.routes';
import { tags } from './insights.schemas';
import { decodeKeyset, keysetPage, pageSchema } from '../pagination';
import { clickItem, clicksQuery, insightsQuery, redirectInsightsSchema } from './redirect-urls.schemas';

type Id = { id: string };
type ClicksQuery = FromSchema<typeof clicksQuery>;

/** The redirect URL's filter: 404 unless the caller's workspace owns it; days in the workspace's time zone. */
async function filterOf(pool: Pool, workspaceId: string, id: string, query: { from?: string; to?: string }) {
  await readRedirect(pool, workspaceId, id);
  const timeZone = await workspaceTimeZone(pool, workspaceId);
  return { workspaceId, redirectUrlId: id, timeZone, ...dates(query) } satisfies RedirectFilter;
}

async function clicksPage(deps: ApiDeps, workspaceId: string, id: string, query: ClicksQuery, maxLimit: number) {
  const filter = await filterOf(deps.pool, workspaceId, id, query);
  const limit = Math.min(maxLimit, query.limit ?? 50);
  const key = decodeKeyset(query.cursor, ['number', 'string']);
  const after = key ? { ms: Number(key[0]), eventId: String(key[1]) } : undefined;
  const rows = await redirectClicks(deps.clickhouse, {
    ...filter,
    machine: query.machine ?? false,
    limit: limit + 1,
    after,
  });
  const page = keysetPage(rows, limit, (row) => [row.ms, row.eventId]);
  return { items: page.items.map(({ ms: _ms, ...click }) => click), next_cursor: page.next_cursor };
}

const CLICK_COLUMNS = ['event_id', 'at', 'country', 'user_agent_class', 'machine', 'machine_reason'];
const clickCells = (c: RedirectClick): (string | number)[] => [
  ...[c.eventId, c.at, c.country ?? '', c.userAgentClass, c.machine ? 1 : 0, c.machineReason],
];

/** Redirect URL insights over ClickHouse, with the clicks behind them (docs/kpis.md#redirect-url-kpis). */
export async function redirectUrlInsightsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool, clickhouse } = deps;
  app.get<{ Params: Id; Querystring: FromSchema<typeof insightsQuery> }>(
    '/v1/insights/redirect-urls/:id',
    {
      schema: {
        tags,
        summary:
          "Clicks (human and machine apart), human clicks by country, and the counts per day in the workspace's time zone",
        params: idParams,
        querystring: insightsQuery,
        response: { 200: redirectInsightsSchema },
      },
    },
    async (req) => redirectInsights(clickhouse, await filterOf(pool, workspaceOf(req), req.params.id, req.query)),
  );
  const schema = (summary: string) => ({ tags, summary, params: idParams, querystring: clicksQuery });
  app.get<{ Params: Id; Querystring: ClicksQuery }>(
    '/v1/insights/redirect-urls/:id/clicks',
    {
      schema: {
        ...schema('The timeline: each click behind the numbers, newest first, keyset-paged'),
        response: { 200: pageSchema(clickItem) },
      },
    },
    async (req) => clicksPage(deps, workspaceOf(req), req.params.id, req.query, 500),
  );
  app.get<{ Params: Id; Querystring: ClicksQuery }>(
    '/v1/insights/redirect-urls/:id/clicks.csv',
    { schema: schema('The same clicks as CSV (up to 10,000 rows a page; x-next-cursor header)') },
    async (req, reply) => {
      const page = await clicksPage(deps, workspaceOf(req), req.params.id, req.query, 10_000);
      return sendCsv(reply, page.next_cursor, [CLICK_COLUMNS, ...page.items.map(clickCells)]);
    },
  );
}
