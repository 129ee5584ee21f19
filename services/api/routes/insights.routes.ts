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
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { csvText } from '../csv-cells';
import { getRow, idParams } from '../resource-routes';
import { workspaceTimeZone } from './workspaces.routes';

/** Insights of one account's contacts only (404 unless the account is the caller's). */
export const accountFilter = {
  account_id: { type: 'string', format: 'uuid', description: "only this account's contacts" },
} as const;

export const range = {
  from: {
    type: 'string',
    format: 'date',
    description: "first day, inclusive, in the workspace's time zone (PATCH /v1/workspace)",
  },
  to: { type: 'string', format: 'date', description: "last day, inclusive, in the workspace's time zone" },
} as const;
const emailQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    ...accountFilter,
    journey_id: { type: 'string', format: 'uuid' },
    version: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const anyList = { type: 'object', properties: { items: { type: 'array', items: anyObject } } } as const;
const tags = ['insights'];
const count = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;
/** One country's opens and clicks: the KPI card's definitions (human only), per the client address's country. */
const countryList = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'country',
          'openedTotal',
          'openedUnique',
          'clickedTotal',
          'clickedUnique',
          'attachmentViewsTotal',
          'attachmentViewsUnique',
        ],
        properties: {
          country: {
            type: ['string', 'null'],
            description:
              'ISO 3166-1 alpha-2 of the client address at ingest; null: unknown (IPv6, private, or recorded before geography)',
          },
          openedTotal: count('human opens'),
          openedUnique: count('messages opened at least once from this country'),
          clickedTotal: count('human link clicks (attachments apart)'),
          clickedUnique: count('messages with a link clicked from this country'),
          attachmentViewsTotal: count('human attachment views'),
          attachmentViewsUnique: count('messages with an attachment viewed from this country'),
        },
      },
    },
  },
} as const;

export interface RangeQuery {
  from?: string;
  to?: string;
  journey_id?: string;
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
  const timeZone = await workspaceTimeZone(pool, workspaceId);
  const contactIds = await accountContacts(pool, workspaceId, query.account_id);
  return {
    workspaceId,
    emailId,
    journeyId: query.journey_id,
    emailVersion: query.version,
    timeZone,
    contactIds,
    ...dates(query),
  };
}

/** Insights over ClickHouse (services/api/insights); the id is checked against the caller's workspace first, so foreign ids are 404. */
export async function insightsRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool, clickhouse } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const emailFilter = (req: { params: { id: string }; query: RangeQuery }, workspaceId: string) =>
    emailFilterOf(pool, workspaceId, req.params.id, req.query);
  const emailRoute = (
    suffix: string,
    summary: string,
    run: (filter: EmailFilter, query: RangeQuery) => Promise<unknown>,
    response: object,
  ) =>
    app.get(
      `/v1/insights/emails/:id${suffix}`,
      { schema: { tags, summary, params: idParams, querystring: emailQuery, response: { 200: response } } },
      async (req) => {
        const filter = await emailFilter(req, workspaceOf(req));
        return run(filter, req.query);
      },
    );
  emailRoute(
    '',
    'Email KPIs (docs/kpis.md), optionally for one journey, version and day range',
    (f) => emailInsights(clickhouse, f),
    anyObject,
  );
  emailRoute(
    '/delivery',
    'Delivery breakdown: targeted, sent, delivered, blocked by reason, bounces',
    (f) => deliveryBreakdown(clickhouse, f),
    anyObject,
  );
  emailRoute(
    '/responses',
    "Human responses per day in the workspace's time zone",
    async (f) => ({ items: await responsesOverTime(clickhouse, f) }),
    anyList,
  );
  emailRoute(
    '/links',
    'Links by unique clicks with click-through rate (limit, default 10)',
    async (f, q) => ({ items: await topLinks(clickhouse, { ...f, limit: q.limit }) }),
    anyList,
  );
  emailRoute(
    '/geography',
    "Human opens and clicks by country of the client address (the KPI card's definitions). Includes IP2Location LITE data available from https://lite.ip2location.com",
    async (f) => ({ items: await emailGeography(clickhouse, f) }),
    countryList,
  );

  const tileQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...range,
      ...accountFilter,
      iteration: { type: 'integer', minimum: 0, description: 'one iteration of a recurring journey' },
    },
  } as const;
  app.get(
    '/v1/insights/journeys/:id/tiles',
    {
      schema: {
        tags,
        summary:
          'Per-tile journey KPIs in contacts per iteration: inflow, processing, blocked, failed, processed, paths',
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
      return {
        items: await journeyTileKpis(clickhouse, {
          workspaceId,
          journeyId: id,
          iteration: req.query.iteration,
          timeZone,
          contactIds,
          ...dates(req.query),
        }),
      };
    },
  );

  app.get(
    '/v1/insights/contacts/:id/timeline',
    {
      schema: {
        tags,
        summary: "A contact's interactions, newest first, with counts by type (narrow with from/to; limit ≤ 10000)",
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...range, limit: { type: 'integer', minimum: 1, maximum: 10000 } },
        },
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
