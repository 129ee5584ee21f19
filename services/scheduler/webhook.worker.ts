import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Pool } from 'pg';
import type { EgressClient } from '../../lib/platform/egress/egress-client';
import { CairnError } from '../../lib/platform/errors';
import type { Logger } from '../../lib/platform/logger';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { postSignedWebhook } from '../../lib/contracts/webhooks/signed-webhook';
import { readJob, type UnreadableJobs } from '../../lib/contracts/messages/queued-job';
import type { EventsPayload } from './outbox-messages';
import { contactOf, WEBHOOK_QUEUE, webhookJobMessage, type WebhookJob } from './webhook-job';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the webhook names an erased contact: a job queued before the erasure (its outbox row was relayed) is
 * dropped, neither posted nor dead-lettered, so nothing about the contact leaves or stays after it.
 */
async function aboutErasedContact(pool: Pool, hook: WebhookJob): Promise<boolean> {
  const contactId = contactOf(hook);
  if (contactId === null || !UUID.test(contactId) || !UUID.test(hook.workspace_id)) return false;
  const { rowCount } = await pool.query('SELECT 1 FROM contact_erasures WHERE workspace_id = $1 AND contact_id = $2', [
    hook.workspace_id,
    contactId,
  ]);
  return Boolean(rowCount);
}

/**
 * A webhook that will not be delivered: its dead letter and the contact's tile_failed event (reason = the
 * error code: WEBHOOK_DEAD_LETTERED or egress_refused), in one transaction. True when this call wrote them.
 *
 * NOTE: once per webhook. The dead letter is unique by once_key and the event is written only by the
 * transaction that inserted it; the relay publishes it with the id derived from (tile_failed, key), so a replay
 * is counted once.
 */
async function deadLetter(
  pool: Pool,
  hook: WebhookJob,
  error: CairnError,
  attempts: number,
  now: number,
): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const { rowCount } = await client.query(
      `INSERT INTO journey_webhook_dead_letters (once_key, workspace_id, url, attempts, last_error, payload, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (once_key) DO NOTHING`,
      [hook.once_key, hook.workspace_id, hook.url, attempts, error.message, JSON.stringify(hook.body), error.code],
    );
    const contactId = contactOf(hook);
    if (!rowCount || contactId === null) return false;
    const { journey_id, tile_id, iteration } = hook.body;
    const events: EventsPayload = {
      v: 1,
      workspace_id: hook.workspace_id,
      journey_id,
      event_time: now,
      groups: [['tile_failed', tile_id, 'launch_workflow', iteration, `${error.code}|${error.message}`, [contactId]]],
    };
    await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('events', $1)`, [JSON.stringify(events)]);
    return true;
  });
}

/**
 * Posts launch-workflow webhooks, signed with their workspace's secret, through the egress policy, with BullMQ's
 * retries and exponential backoff. After the last attempt, or at once when the egress policy refuses the
 * destination (not retriable), the webhook is dead-lettered and its tile_failed event written; the contact went
 * on when the tile was processed.
 */
export function startWebhookWorker(options: {
  connection: ConnectionOptions;
  prefix: string;
  pool: Pool;
  egress: EgressClient;
  timeoutMs: number;
  now: () => number;
  log: Logger;
  /** the outbox has a new row (the relay publishes it sooner than its poll would) */
  onOutbox: () => void;
  unreadable: UnreadableJobs;
}): Worker<unknown> {
  const { pool, log } = options;
  return new Worker<unknown>(
    WEBHOOK_QUEUE,
    async (job: Job<unknown>) => {
      const hook = readJob(job, webhookJobMessage, options);
      if (await aboutErasedContact(pool, hook))
        return void log.info({ jobId: job.id }, 'webhook_skipped_contact_erased');
      const { rows } = await pool.query<{ webhook_secret: string }>(
        'SELECT webhook_secret FROM workspaces WHERE id = $1',
        [hook.workspace_id],
      );
      const secret = rows[0]?.webhook_secret;
      if (secret === undefined) return void log.warn({ jobId: job.id }, 'webhook_workspace_gone');
      const result = await postSignedWebhook(
        options.egress,
        { url: hook.url, body: hook.body, idempotencyKey: hook.once_key },
        { secret, timeoutMs: options.timeoutMs, now: options.now() },
      );
      if (result.ok) return;
      const attempts = job.attemptsMade + 1;
      if (result.error.retriable && attempts < (job.opts.attempts ?? 1)) throw result.error;
      const reason = result.error.retriable
        ? new CairnError('WEBHOOK_DEAD_LETTERED', result.error.message)
        : result.error;
      log.warn({ jobId: job.id, code: reason.code, attempts }, 'webhook_dead_lettered');
      if (await deadLetter(pool, hook, reason, attempts, options.now())) options.onOutbox();
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 8 },
  );
}
