import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Pool, PoolClient } from 'pg';
import type { EgressClient } from '../../lib/platform/egress/egress-client';
import type { Logger } from '../../lib/platform/logger';
import type { FromSchema } from 'json-schema-to-ts';
import { defineMessage, fields } from '../../lib/contracts/messages/message-schema';
import { readJob } from '../../lib/contracts/messages/queued-job';
import { postSignedWebhook } from '../../lib/contracts/webhooks/signed-webhook';
import type { EngagementMetrics } from './engagement.metrics';

export const ALERT_WEBHOOK_QUEUE = 'engagement-webhooks';

/** A job on ALERT_WEBHOOK_QUEUE: post this alert's webhook. */
const alertJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'alertId'],
  properties: { v: { const: 1 }, alertId: fields.uuid },
} as const;

export type AlertJob = FromSchema<typeof alertJobSchema>;

/**
 * A job of the build before v1 carries no `v`: read as v1, since its job id (alert-<id>) keeps the alert from
 * being queued again while BullMQ holds the failed job (docs/messages.md#versions).
 */
export const alertJobMessage = defineMessage('alert job', 1, alertJobSchema, { unversionedIsV1: true });

export interface NewAlert {
  key: string;
  workspaceId: string;
  messageId: string;
  kind: 'first_open' | 'reminder';
  owner: string;
  title: string;
  payload: Record<string, unknown>;
}

/**
 * NOTE: exactly one alert per key (first_open:<message>, reminder:<reminder>): the insert is ON CONFLICT DO
 * NOTHING on alert_key, and only the rows it created come back, so only their creator queues their webhook. A
 * workspace with an alert webhook gets the row as 'pending' (the outbox the poller re-queues from).
 */
export async function createAlerts(
  db: Pick<PoolClient, 'query'>,
  alerts: readonly NewAlert[],
): Promise<{ id: string; kind: string; webhook: boolean }[]> {
  if (alerts.length === 0) return [];
  const { rows } = await db.query<{ id: string; kind: string; webhook_state: string }>(
    `INSERT INTO engagement_alerts (alert_key, workspace_id, message_id, kind, owner, title, payload, webhook_state)
     SELECT a.key, a.ws, a.msg, a.kind, a.owner, a.title, a.payload,
            CASE WHEN s.alert_webhook_url IS NOT NULL THEN 'pending' ELSE 'none' END
       FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) AS a(key, ws, msg, kind, owner, title, payload)
       LEFT JOIN engagement_settings s ON s.workspace_id = a.ws
     ON CONFLICT (alert_key) DO NOTHING
     RETURNING id::text, kind, webhook_state`,
    [
      alerts.map((a) => a.key),
      alerts.map((a) => a.workspaceId),
      alerts.map((a) => a.messageId),
      alerts.map((a) => a.kind),
      alerts.map((a) => a.owner),
      alerts.map((a) => a.title),
      alerts.map((a) => JSON.stringify(a.payload)),
    ],
  );
  return rows.map((row) => ({ id: row.id, kind: row.kind, webhook: row.webhook_state === 'pending' }));
}

export function alertQueue(connection: ConnectionOptions, prefix: string): Queue<AlertJob> {
  return new Queue<AlertJob>(ALERT_WEBHOOK_QUEUE, { connection, prefix });
}

/** One job per alert (job id = alert id): queuing it twice while BullMQ holds it is a no-op. */
export async function queueAlertWebhooks(
  queue: Queue<AlertJob>,
  ids: readonly string[],
  options: { attempts: number; backoffMs: number },
): Promise<void> {
  if (ids.length === 0) return;
  await queue.addBulk(
    ids.map((alertId) => ({
      name: 'alert',
      data: { v: 1 as const, alertId },
      opts: {
        jobId: `alert-${alertId}`,
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 86_400 },
      },
    })),
  );
}

/** Alerts still pending after `olderThanMs` whose job Redis lost (a restart without persistence): queued again. */
export async function pendingAlertIds(pool: Pool, olderThanMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    "SELECT id::text FROM engagement_alerts WHERE webhook_state = 'pending' AND created_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT 500",
    [olderThanMs],
  );
  return rows.map((row) => row.id);
}

interface AlertRow {
  id: string;
  kind: string;
  /** null for a journey_paused or sending_domain_paused alert, written by the journey engine's circuit breaker
   * (docs/scheduler.md#circuit-breaker); posted like the others, whatever the kind, with its payload */
  message_id: string | null;
  workspace_id: string;
  owner: string;
  title: string;
  payload: Record<string, unknown>;
  created_at: Date;
  url: string | null;
  secret: string;
}

/**
 * Posts each alert to its workspace's webhook through the egress policy, signed with the workspace's webhook
 * secret (the one launch-workflow tiles sign with; lib/contracts/webhooks/signed-webhook.ts), with BullMQ's retries and
 * exponential backoff; the alert id is the idempotency key, so a receiver drops a repeat after a lost answer. A
 * destination the egress policy refuses fails at once (egress_refused is not retried).
 */
export function startAlertWebhookWorker(options: {
  connection: ConnectionOptions;
  prefix: string;
  pool: Pool;
  egress: EgressClient;
  timeoutMs: number;
  metrics: EngagementMetrics;
  log: Logger;
}): Worker<unknown> {
  const { pool } = options;
  const worker = new Worker<unknown>(
    ALERT_WEBHOOK_QUEUE,
    async (job: Job<unknown>) => {
      const { alertId } = readJob(job, alertJobMessage, {
        log: options.log,
        unreadable: options.metrics.unreadableJobs,
      });
      const { rows } = await pool.query<AlertRow>(
        `SELECT a.id::text, a.kind, a.message_id::text, a.workspace_id::text, a.owner, a.title, a.payload, a.created_at, s.alert_webhook_url AS url, w.webhook_secret AS secret
           FROM engagement_alerts a JOIN workspaces w ON w.id = a.workspace_id LEFT JOIN engagement_settings s ON s.workspace_id = a.workspace_id
          WHERE a.id = $1 AND a.webhook_state = 'pending'`,
        [alertId],
      );
      const alert = rows[0];
      if (!alert) return;
      if (!alert.url)
        return void (await pool.query("UPDATE engagement_alerts SET webhook_state = 'none' WHERE id = $1", [alert.id]));
      const body = {
        id: alert.id,
        kind: alert.kind,
        message_id: alert.message_id,
        workspace_id: alert.workspace_id,
        owner: alert.owner,
        title: alert.title,
        created_at: alert.created_at.toISOString(),
        ...alert.payload,
      };
      const result = await postSignedWebhook(
        options.egress,
        { url: alert.url, body, idempotencyKey: alert.id },
        { secret: alert.secret, timeoutMs: options.timeoutMs, now: Date.now() },
      );
      options.metrics.webhooks.inc({ result: result.ok ? 'delivered' : 'failed' });
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || (!result.ok && !result.error.retriable);
      const state = result.ok ? 'delivered' : last ? 'failed' : 'pending';
      await pool.query(
        'UPDATE engagement_alerts SET webhook_state = $2, webhook_attempts = webhook_attempts + 1, webhook_error = $3 WHERE id = $1',
        [alert.id, state, result.ok ? null : `${result.error.code}: ${result.error.message}`],
      );
      if (!result.ok && !last) throw result.error;
      if (!result.ok) options.log.warn({ alertId: alert.id, err: result.error.message }, 'alert_webhook_failed');
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 8 },
  );
  worker.on('error', (error) => options.log.warn({ err: error.message }, 'alert_worker_error'));
  return worker;
}
