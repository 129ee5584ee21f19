import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import { INTERACTION_KPI_NAMES, messageTimeline, recipientsOf, type Recipient } from '../insights/email-interactions';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { notFound } from '../api-problem';
import { decodeKeyset, keysetPage } from '../pagination';
import { idParams } from '../resource-routes';
import { emailFilterOf, sendCsv } from './insights.routes';
import { accountFilter, journeyTileFilter, keysetListing, range } from './insights.schemas';

const tags = ['insights'];
const recipientQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['kpi'],
  properties: {
    ...range,
    ...accountFilter,
    kpi: {
      type: 'string',
      enum: INTERACTION_KPI_NAMES,
      description: 'the KPI whose recipients to list (same definitions as the KPI card)',
    },
    link_id: { type: 'string', maxLength: 200, description: 'clicked: only this link' },
    reason: { type: 'string', maxLength: 200, description: 'blocked: only this reason' },
    ...journeyTileFilter,
    version: { type: 'integer', minimum: 1 },
    ...keysetListing,
  },
} as const;
const recipient = {
  type: 'object',
  properties: {
    contactId: { type: 'string' },
    messageId: { type: 'string' },
    firstAt: { type: 'string' },
    lastAt: { type: 'string' },
    events: { type: 'integer' },
    units: { type: 'integer' },
    details: { type: 'array', items: { type: 'string' } },
  },
} as const;

const CSV_COLUMNS = ['contact_id', 'message_id', 'first_at', 'last_at', 'events', 'units', 'details'];
const csvRow = (r: Recipient): (string | number)[] => [
  r.contactId,
  r.messageId,
  r.firstAt,
  r.lastAt,
  r.events,
  r.units,
  r.details.join(' '),
];

const recipientPage = {
  type: 'object',
  properties: { items: { type: 'array', items: recipient }, next_cursor: { type: ['string', 'null'] } },
} as const;
const messageParams = {
  type: 'object',
  required: ['id', 'messageId'],
  properties: { id: { type: 'string', format: 'uuid' }, messageId: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
const timeline = {
  type: 'object',
  properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } } },
} as const;

type RecipientQuery = {
  kpi: string;
  account_id?: string;
  link_id?: string;
  reason?: string;
  limit?: number;
  cursor?: string;
  from?: string;
  to?: string;
  journey_id?: string;
  version?: number;
};

/** Interactions tab: the recipients behind each email KPI (JSON or CSV, keyset-paged) and a message's timeline. */
export async function interactionsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  recipientsRoute(app, deps);
  recipientsCsvRoute(app, deps);
  messageTimelineRoute(app, deps);
}

/** One keyset page of the recipients counted in one KPI of the email, at most `maxLimit` rows. */
async function recipientsPage(
  { pool, clickhouse }: ApiDeps,
  workspaceId: string,
  emailId: string,
  query: RecipientQuery,
  maxLimit: number,
) {
  const filter = await emailFilterOf(pool, workspaceId, emailId, query);
  const limit = Math.min(maxLimit, query.limit ?? 50);
  const key = decodeKeyset(query.cursor, ['string', 'string']);
  const after = key ? { contactId: String(key[0]), messageId: String(key[1]) } : undefined;
  const rows = await recipientsOf(clickhouse, {
    ...filter,
    kpi: query.kpi,
    linkId: query.link_id,
    reason: query.reason,
    after,
    limit: limit + 1,
  });
  return keysetPage(rows, limit, (row) => [row.contactId, row.messageId]);
}

function recipientsRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/emails/:id/recipients',
    {
      schema: {
        tags,
        summary: 'Recipients counted in one email KPI, one row per message, keyset-paged',
        params: idParams,
        querystring: recipientQuery,
        response: { 200: recipientPage },
      },
    },
    async (req) => recipientsPage(deps, workspaceOf(req), req.params.id, req.query, 500),
  );
}

function recipientsCsvRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/emails/:id/recipients.csv',
    {
      schema: {
        tags,
        summary: 'The same list as CSV (text/csv, up to 10,000 rows a page; x-next-cursor header for the next)',
        params: idParams,
        querystring: recipientQuery,
      },
    },
    async (req, reply) => {
      const result = await recipientsPage(deps, workspaceOf(req), req.params.id, req.query, 10_000);
      return sendCsv(reply, result.next_cursor, [CSV_COLUMNS, ...result.items.map(csvRow)]);
    },
  );
}

function messageTimelineRoute(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/insights/emails/:id/messages/:messageId/timeline',
    {
      schema: {
        tags,
        summary: "One message's interactions, oldest first (404 unless the message is this email's)",
        params: messageParams,
        response: { 200: timeline },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      await emailFilterOf(pool, workspaceId, req.params.id, {});
      const items = await messageTimeline(clickhouse, {
        workspaceId,
        emailId: req.params.id,
        messageId: req.params.messageId,
      });
      if (items.length === 0) throw notFound('message');
      return { items };
    },
  );
}
