import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { dispatchDue } from '../../../lib/domain/engagement/message-dispatch';
import {
  KPI_COLUMNS,
  kpisFor,
  messageHistory,
  messageKpis,
  messagesByKpi,
  type KpiColumn,
} from '../engagement/engagement-queries';
import { sendQueueOf } from '../../../lib/contracts/sending/send-queue';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { createMessage, parseSendAt, type NewMessage } from '../engagement-message.service';
import { decodeKeyset, encodeKeyset, keysetPage } from '../pagination';
import { idParams } from '../resource-routes';

const tags = ['engagement'];
const uuid = { type: 'string', format: 'uuid' } as const;
const messageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['from_address', 'recipients'],
  properties: {
    template_id: { ...uuid, description: 'an engagement template; subject and body_html, when given, replace its own' },
    subject: { type: 'string', minLength: 1, maxLength: 998 },
    body_html: {
      type: 'string',
      minLength: 1,
      maxLength: 500_000,
      description: 'HTML with Handlebars merge fields ({{contact.*}}, {{account.*}})',
    },
    from_address: { type: 'string', format: 'mailbox', maxLength: 254 },
    from_name: { type: 'string', maxLength: 200 },
    reply_to: { type: ['string', 'null'], format: 'mailbox', maxLength: 254 },
    recipients: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: uuid,
      description: 'contact ids; each gets a copy of their own',
    },
    regarding: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'id'],
      properties: { type: { type: 'string', enum: ['contact', 'account', 'lead'] }, id: uuid },
    },
    follow: { type: 'boolean', default: true, description: 'beacon, signed links and followed attachments' },
    allow_unfollowed: {
      type: 'boolean',
      default: false,
      description: 'send unfollowed when a recipient does not allow following (else 409 naming them)',
    },
    attachments: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['attachment_id'],
        properties: { attachment_id: uuid, followed: { type: 'boolean', default: true } },
      },
    },
    send_at: { type: 'string', format: 'date-time', description: 'scheduled send; now when absent' },
    owner: {
      type: 'string',
      maxLength: 200,
      description: 'who the alerts and reminders are for (a user id of the calling tool)',
    },
  },
} as const;
const kpis = {
  type: 'object',
  properties: {
    opens: { type: 'integer' },
    last_opened_at: { type: ['string', 'null'] },
    attachment_views: { type: 'integer' },
    link_clicks: { type: 'integer' },
    replies: { type: 'integer' },
    machine_events: { type: 'integer' },
  },
};
const message = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    subject: { type: 'string' },
    state: { type: 'string' },
    status: { type: 'string' },
    followed: { type: 'boolean' },
    send_at: { type: 'string' },
    template_id: { type: ['string', 'null'] },
    email_id: { type: 'string' },
    email_version: { type: 'integer' },
    owner: { type: 'string' },
    recipients: {
      type: 'array',
      items: { type: 'object', properties: { contact_id: { type: 'string' }, message_id: { type: 'string' } } },
    },
    kpis,
  },
} as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sort: { type: 'string', enum: ['created_at', ...KPI_COLUMNS], default: 'created_at' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 200 },
  },
} as const;

interface MessageRow {
  id: string;
  subject: string;
  state: string;
  followed: boolean;
  send_at: Date;
  template_id: string | null;
  email_id: string;
  email_version: number;
  owner: string;
  regarding_type: string | null;
  regarding_id: string | null;
  created_at: Date;
  first_opened_at: Date | null;
}

/**
 * A message's status in its list (docs/engagement.md#interaction-history-and-kpis): "scheduled to send", "not yet
 * opened", "last opened …" (unfollowed: just sent).
 */
function statusOf(row: MessageRow, opens: number, lastOpenedAt: string | null): string {
  if (row.state === 'scheduled') return 'scheduled';
  if (row.state === 'cancelled') return 'cancelled';
  if (!row.followed) return 'sent (not followed)';
  return opens > 0 ? `last opened ${lastOpenedAt} UTC` : 'not yet opened';
}

async function present(deps: ApiDeps, workspaceId: string, rows: MessageRow[]) {
  const all = await messageKpis(
    deps.clickhouse,
    workspaceId,
    rows.filter((r) => r.state === 'queued').map((r) => ({ emailId: r.email_id, version: r.email_version })),
  );
  const { rows: recipients } = await deps.pool.query<{
    message_id: string;
    contact_id: string;
    delivery_message_id: string;
  }>(
    'SELECT message_id::text, contact_id::text, delivery_message_id::text FROM engagement_recipients WHERE message_id = ANY($1::uuid[]) ORDER BY idx',
    [rows.map((r) => r.id)],
  );
  return rows.map((row) => {
    const k = kpisFor(all, { emailId: row.email_id, version: row.email_version });
    const copies = recipients
      .filter((r) => r.message_id === row.id)
      .map((r) => ({ contact_id: r.contact_id, message_id: r.delivery_message_id }));
    return {
      ...row,
      send_at: row.send_at.toISOString(),
      created_at: row.created_at.toISOString(),
      status: statusOf(row, k.opens, k.last_opened_at),
      recipients: copies,
      kpis: k,
    };
  });
}

const SELECT =
  'SELECT id::text, subject, state, followed, send_at, template_id::text, email_id::text, email_version, owner, regarding_type, regarding_id::text, created_at, first_opened_at FROM engagement_messages';

async function loadMessage(pool: Pool, workspaceId: string, id: string): Promise<MessageRow> {
  const { rows } = await pool.query<MessageRow>(`${SELECT} WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('message');
  return rows[0];
}

/** Followed one-to-one messages: send (now or scheduled), reschedule, cancel, read with KPIs and history. */
export async function engagementMessageRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const queue = sendQueueOf(deps.redis, deps.config.queuePrefix);
  untyped.addHook('onClose', async () => queue.close());

  app.post(
    '/v1/engagement/messages',
    {
      config: { scope: 'send' },
      schema: {
        tags,
        summary: 'Send (or schedule) a one-to-one message to up to 10 contacts, followed by default',
        body: messageBody,
        response: { 201: message },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const created = await createMessage(
        pool,
        workspaceId,
        req.principal?.keyId ?? null,
        req.body as NewMessage,
        deps.config.engagementPublicUrl,
      );
      if (created.send_at.getTime() <= Date.now()) {
        // services/engagement's poller queues it anyway if this fails: the row is due and still scheduled
        await dispatchDue(pool, queue, { onlyId: created.id }).catch((error: Error) =>
          req.log.warn({ err: error.message }, 'engagement_dispatch_deferred'),
        );
      }
      const [shown] = await present(deps, workspaceId, [await loadMessage(pool, workspaceId, created.id)]);
      return reply.code(201).send({ ...shown, unfollowed_reason: created.unfollowed_reason });
    },
  );

  app.get(
    '/v1/engagement/messages',
    {
      schema: {
        tags,
        summary: 'One-to-one messages with their KPIs, sortable by each KPI column',
        querystring: listQuery,
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: message }, next_cursor: { type: ['string', 'null'] } },
          },
        },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { sort = 'created_at', order = 'desc', limit = 50, cursor } = req.query;
      if (sort === 'created_at') {
        const after = decodeKeyset(cursor, ['string', 'string']);
        const [cmp, dir] = order === 'desc' ? ['<', 'DESC'] : ['>', 'ASC'];
        const { rows } = await pool.query<MessageRow>(
          `${SELECT} WHERE workspace_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) ${cmp} ($2::timestamptz, $3::uuid)) ORDER BY created_at ${dir}, id ${dir} LIMIT $4`,
          [workspaceId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
        );
        const page = keysetPage(rows, limit, (row) => [row.created_at.toISOString(), row.id]);
        return { items: await present(deps, workspaceId, page.items), next_cursor: page.next_cursor };
      }
      const offset = Number(decodeKeyset(cursor, ['number'])?.[0] ?? 0);
      const ranked = await messagesByKpi(
        deps.clickhouse,
        workspaceId,
        sort as KpiColumn,
        order === 'desc',
        offset,
        limit + 1,
      );
      const pairs = ranked.slice(0, limit);
      const { rows } = await pool.query<MessageRow>(
        `${SELECT} WHERE workspace_id = $1 AND (email_id, email_version) IN (SELECT * FROM unnest($2::uuid[], $3::int[]))`,
        [workspaceId, pairs.map((p) => p.emailId), pairs.map((p) => p.version)],
      );
      const byRef = new Map(rows.map((row) => [`${row.email_id}/${row.email_version}`, row]));
      const ordered = pairs.flatMap((p) => byRef.get(`${p.emailId}/${p.version}`) ?? []);
      return {
        items: await present(deps, workspaceId, ordered),
        next_cursor: ranked.length > limit ? encodeKeyset([offset + limit]) : null,
      };
    },
  );

  app.get(
    '/v1/engagement/messages/:id',
    {
      schema: {
        tags,
        summary: 'A message, its recipients, status and KPIs',
        params: idParams,
        response: { 200: message },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const [shown] = await present(deps, workspaceId, [await loadMessage(pool, workspaceId, req.params.id)]);
      return shown;
    },
  );

  const historyQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } },
  } as const;
  app.get(
    '/v1/engagement/messages/:id/history',
    {
      schema: {
        tags,
        summary:
          'Interaction history, newest first (opens with device type, clicks, attachment views, replies) and KPIs',
        params: idParams,
        querystring: historyQuery,
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const row = await loadMessage(pool, workspaceId, req.params.id);
      const ref = { emailId: row.email_id, version: row.email_version };
      const [interactions, all] = await Promise.all([
        messageHistory(deps.clickhouse, workspaceId, ref, req.query.limit ?? 200),
        messageKpis(deps.clickhouse, workspaceId, [ref]),
      ]);
      return { message_id: row.id, followed: row.followed, kpis: kpisFor(all, ref), interactions };
    },
  );

  const rescheduleBody = {
    type: 'object',
    additionalProperties: false,
    required: ['send_at'],
    properties: { send_at: { type: 'string', format: 'date-time' } },
  } as const;
  app.patch(
    '/v1/engagement/messages/:id',
    {
      schema: {
        tags,
        summary: 'Reschedule a message that has not gone yet',
        params: idParams,
        body: rescheduleBody,
        response: { 200: message },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const at = parseSendAt(req.body.send_at);
      const { rowCount } = await pool.query(
        "UPDATE engagement_messages SET send_at = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2 AND state = 'scheduled'",
        [workspaceId, req.params.id, at],
      );
      const row = await loadMessage(pool, workspaceId, req.params.id);
      if (!rowCount)
        throw new ApiProblem(
          409,
          `the message is ${row.state === 'queued' ? 'already sent' : row.state}; only a scheduled message can be changed`,
          [{ field: 'send_at', message: 'too late' }],
        );
      if (at.getTime() <= Date.now()) await dispatchDue(pool, queue, { onlyId: row.id }).catch(() => undefined);
      const [shown] = await present(deps, workspaceId, [await loadMessage(pool, workspaceId, req.params.id)]);
      return shown;
    },
  );

  app.post(
    '/v1/engagement/messages/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a scheduled message (409 once it has gone)',
        params: idParams,
        response: { 200: message },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      // NOTE: races the dispatcher on the row: whichever moves it out of 'scheduled' first wins (see dispatchDue)
      const { rowCount } = await pool.query(
        "UPDATE engagement_messages SET state = 'cancelled', updated_at = now() WHERE workspace_id = $1 AND id = $2 AND state = 'scheduled'",
        [workspaceId, req.params.id],
      );
      const row = await loadMessage(pool, workspaceId, req.params.id);
      if (!rowCount && row.state !== 'cancelled')
        throw new ApiProblem(409, 'the message has already been handed to the sender');
      const [shown] = await present(deps, workspaceId, [row]);
      return shown;
    },
  );
}
