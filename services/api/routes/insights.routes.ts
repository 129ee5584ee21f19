import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import {
  contactTimeline,
  deliveryBreakdown,
  emailGeography,
  emailInsights,
  journeyTileKpis,
  responsesOverTime,
  topLinks,
  type EmailFilter,
} from '../insights/insights-queries';
import { tilesWithEmailKpis } from '../insights/email-tile-kpis';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { csvText } from '../csv-cells';
import { getRow, idParams } from '../resource-routes';
import { workspaceTimeZone } from './workspaces.routes';
import { anyList, anyObject, countryList, emailQuery, tags, tileQuery, timelineQuery } from './insights.schemas';

export interface RangeQuery {
  from?: string;
  to?: string;
  journey_id?: string;
  tile_id?: string;
  version?: number;
  limit?: number;
  account_id?: string;
}

/** The account's contacts (an account filter), or undefined when no account is asked for. */
export async function accountContacts(
  pool: Pool,
  workspaceId: string,
  accountId: string | undefined,
): Promise<string[] | undefined> {
  if (accountId === undefined) return undefined;
  await getRow(pool, 'accounts', 'account', workspaceId, accountId);
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id FROM contacts WHERE workspace_id = $1 AND account_id = $2',
    [workspaceId, accountId],
  );
  return rows.map((row) => row.id);
}

export function dates(query: RangeQuery): { from?: Date; to?: Date } {
  const from = query.from ? new Date(`${query.from}T00:00:00Z`) : undefined;
  const to = query.to ? new Date(`${query.to}T00:00:00Z`) : undefined;
  if (from && to && to < from)
    throw new ApiProblem(400, 'the date range is empty', [
      { field: 'querystring.to', message: 'must not be before from' },
    ]);
  return { from, to };
}

/** A CSV page (text/csv, formula-like text neutralised); the next page's keyset cursor travels in the x-next-cursor header. */
export function sendCsv(reply: FastifyReply, nextCursor: string | null, rows: (string | number)[][]): FastifyReply {
  if (nextCursor) void reply.header('x-next-cursor', nextCursor);
  return reply.type('text/csv; charset=utf-8').send(csvText(rows));
}

/** The email (404 unless the caller's workspace owns it), its filters and the workspace's time zone. */
export async function emailFilterOf(
  pool: Pool,
  workspaceId: string,
  emailId: string,
  query: RangeQuery,
): Promise<EmailFilter> {
  await getRow(pool, 'emails', 'email', workspaceId, emailId);
  // a tile id names a tile within its journey only: two journeys may both have a tile "email-1"
  if (query.tile_id !== undefined && query.journey_id === undefined)
    throw new ApiProblem(400, 'a tile filter needs its journey', [
      { field: 'querystring.journey_id', message: 'required with tile_id' },
    ]);
  const timeZone = await workspaceTimeZone(pool, workspaceId);
  const contactIds = await accountContacts(pool, workspaceId, query.account_id);
  return {
    workspaceId,
    emailId,
    journeyId: query.journey_id,
    tileId: query.tile_id,
    emailVersion: query.version,
    timeZone,
    contactIds,
    ...dates(query),
  };
}

/** Insights over ClickHouse (services/api/insights); the id is checked against the caller's workspace first, so foreign ids are 404. */
export async function insightsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  emailInsightsRoutes(app, deps);
  journeyTilesRoute(app, deps);
  contactTimelineRoute(app, deps);
}

/** GET /v1/insights/emails/:id<suffix>: the email's filter from the path and query, then one query of the email's insights. */
function emailInsightsRoute(
  app: FastifyInstance,
  pool: Pool,
  suffix: string,
  summary: string,
  run: (filter: EmailFilter, query: RangeQuery) => Promise<unknown>,
  response: object,
): void {
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .get(
      `/v1/insights/emails/:id${suffix}`,
      { schema: { tags, summary, params: idParams, querystring: emailQuery, response: { 200: response } } },
      async (req) => {
        const filter = await emailFilterOf(pool, workspaceOf(req), req.params.id, req.query);
        return run(filter, req.query);
      },
    );
}

function emailInsightsRoutes(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  emailInsightsRoute(
    app,
    pool,
    '',
    'Email KPIs (docs/kpis.md), optionally for one journey, one tile of it, version and day range',
    (f) => emailInsights(clickhouse, f),
    anyObject,
  );
  emailInsightsRoute(
    app,
    pool,
    '/delivery',
    'Delivery breakdown: targeted, sent, delivered, blocked by reason, bounces',
    (f) => deliveryBreakdown(clickhouse, f),
    anyObject,
  );
  emailInsightsRoute(
    app,
    pool,
    '/responses',
    "Human responses per day in the workspace's time zone",
    async (f) => ({ items: await responsesOverTime(clickhouse, f) }),
    anyList,
  );
  emailInsightsRoute(
    app,
    pool,
    '/links',
    'Links by unique clicks with click-through rate (limit, default 10)',
    async (f, q) => ({ items: await topLinks(clickhouse, { ...f, limit: q.limit }) }),
    anyList,
  );
  emailInsightsRoute(
    app,
    pool,
    '/geography',
    "Human opens and clicks by country of the client address (the KPI card's definitions). Includes IP2Location LITE data available from https://lite.ip2location.com",
    async (f) => ({ items: await emailGeography(clickhouse, f) }),
    countryList,
  );
}

function journeyTilesRoute(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/journeys/:id/tiles',
    {
      schema: {
        tags,
        summary:
          "Per-tile journey KPIs in contacts per iteration: inflow, processing, blocked, failed, processed, paths; an email tile's email KPIs (the email KPI card of the messages it sent) in `email`",
        params: idParams,
        querystring: tileQuery,
        response: { 200: anyList },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      await getRow(pool, 'journeys', 'journey', workspaceId, id);
      const timeZone = await workspaceTimeZone(pool, workspaceId);
      const contactIds = await accountContacts(pool, workspaceId, req.query.account_id);
      const filter = {
        workspaceId,
        journeyId: id,
        iteration: req.query.iteration,
        timeZone,
        contactIds,
        ...dates(req.query),
      };
      return { items: await tilesWithEmailKpis(clickhouse, filter, await journeyTileKpis(clickhouse, filter)) };
    },
  );
}

function contactTimelineRoute(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/contacts/:id/timeline',
    {
      schema: {
        tags,
        summary: "A contact's interactions, newest first, with counts by type (narrow with from/to; limit ≤ 10000)",
        params: idParams,
        querystring: timelineQuery,
        response: { 200: anyObject },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      await getRow(pool, 'contacts', 'contact', workspaceId, id);
      const { query } = req;
      return contactTimeline(clickhouse, { workspaceId, contactId: id, limit: query.limit, ...dates(query) });
    },
  );
}
