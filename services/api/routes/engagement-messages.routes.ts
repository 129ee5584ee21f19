import type { Queue } from 'bullmq';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import { dispatchDue } from '../../../lib/domain/engagement/message-dispatch';
import { kpisFor, messageHistory, messageKpis, type KpiColumn } from '../engagement/engagement-queries';
import { listByCreation, listByKpi, loadMessage, present } from '../engagement/message-view';
import { sendQueueOf, type SendQueueJob } from '../../../lib/contracts/sending/send-queue';
import type { ApiDeps, TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { createMessage, parseSendAt, type NewMessage } from '../engagement-message.service';
import { idParams } from '../resource-routes';
import { assertVerifiedFrom } from '../sending-domains';
import {
  historyQuery,
  listQuery,
  listResponse,
  message,
  messageBody,
  rescheduleBody,
} from './engagement-messages.schemas';
import { tags } from './engagement.schemas';

/** Followed one-to-one messages: send (now or scheduled), reschedule, cancel, read with KPIs and history. */
export async function engagementMessageRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const queue = sendQueueOf(deps.redis, deps.config.queuePrefix);
  untyped.addHook('onClose', async () => queue.close());

  sendMessageRoute(app, deps, queue);
  listMessagesRoute(app, deps);
  getMessageRoute(app, deps);
  messageHistoryRoute(app, deps);
  rescheduleMessageRoute(app, deps, queue);
  cancelMessageRoute(app, deps);
}

function sendMessageRoute(app: TypedApp, deps: ApiDeps, queue: Queue<SendQueueJob>): void {
  const { pool } = deps;
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
      // a one-to-one message is a send like a go-live: its From domain must be verified too (docs/api.md#sending-domains)
      await assertVerifiedFrom(pool, deps.config, workspaceId, (req.body as NewMessage).from_address);
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
}

function listMessagesRoute(app: TypedApp, deps: ApiDeps): void {
  app.get(
    '/v1/engagement/messages',
    {
      schema: {
        tags,
        summary: 'One-to-one messages with their KPIs, sortable by each KPI column',
        querystring: listQuery,
        response: { 200: listResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { sort = 'created_at', order = 'desc', limit = 50, cursor } = req.query;
      if (sort === 'created_at') return listByCreation(deps, workspaceId, order === 'desc', limit, cursor);
      return listByKpi(deps, workspaceId, sort as KpiColumn, order === 'desc', limit, cursor);
    },
  );
}

function getMessageRoute(app: TypedApp, deps: ApiDeps): void {
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
      const [shown] = await present(deps, workspaceId, [await loadMessage(deps.pool, workspaceId, req.params.id)]);
      return shown;
    },
  );
}

function messageHistoryRoute(app: TypedApp, deps: ApiDeps): void {
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
      const row = await loadMessage(deps.pool, workspaceId, req.params.id);
      const ref = { emailId: row.email_id, version: row.email_version };
      const [interactions, all] = await Promise.all([
        messageHistory(deps.clickhouse, workspaceId, ref, req.query.limit ?? 200),
        messageKpis(deps.clickhouse, workspaceId, [ref]),
      ]);
      return { message_id: row.id, followed: row.followed, kpis: kpisFor(all, ref), interactions };
    },
  );
}

function rescheduleMessageRoute(app: TypedApp, deps: ApiDeps, queue: Queue<SendQueueJob>): void {
  const { pool } = deps;
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
}

function cancelMessageRoute(app: TypedApp, deps: ApiDeps): void {
  const { pool } = deps;
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
