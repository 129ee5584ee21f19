import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Pool } from 'pg';
import type { Logger } from '../../lib/logger';
import { postSignedWebhook } from '../../lib/webhooks/signed-webhook';
import type { WebhookPayload } from './step-effects';

export const WEBHOOK_QUEUE = 'journey-webhooks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type WebhookJob = WebhookPayload & { once_key: string };

/**
 * Whether the webhook's body names an erased contact: a job queued before the erasure (its outbox row was relayed)
 * is dropped, neither posted nor dead-lettered, so nothing about the contact leaves or stays after it.
 */
async function aboutErasedContact(pool: Pool, job: WebhookJob): Promise<boolean> {
  const contactId = job.body.contact_id;
  if (typeof contactId !== 'string' || !UUID.test(contactId) || !UUID.test(job.workspace_id)) return false;
  const { rowCount } = await pool.query('SELECT 1 FROM contact_erasures WHERE workspace_id = $1 AND contact_id = $2', [job.workspace_id, contactId]);
  return Boolean(rowCount);
}

/**
 * Posts launch-workflow webhooks with BullMQ's retries and exponential backoff; after the last attempt the
 * webhook goes to journey_webhook_dead_letters (the contact went on when the tile was processed).
 */
export function startWebhookWorker(options: {
  connection: ConnectionOptions;
  prefix: string;
  pool: Pool;
  secret: string;
  timeoutMs: number;
  now: () => number;
  log: Logger;
}): Worker<WebhookJob> {
  return new Worker<WebhookJob>(
    WEBHOOK_QUEUE,
    async (job: Job<WebhookJob>) => {
      if (await aboutErasedContact(options.pool, job.data)) return void options.log.info({ jobId: job.id }, 'webhook_skipped_contact_erased');
      const result = await postSignedWebhook({ url: job.data.url, body: job.data.body, idempotencyKey: job.data.once_key }, { secret: options.secret, timeoutMs: options.timeoutMs, now: options.now() });
      if (result.ok) return;
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 < attempts) throw result.error;
      options.log.warn({ jobId: job.id, code: 'WEBHOOK_DEAD_LETTERED', attempts }, 'webhook_dead_lettered');
      await options.pool.query(
        `INSERT INTO journey_webhook_dead_letters (once_key, workspace_id, url, attempts, last_error, payload) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (once_key) DO NOTHING`,
        [job.data.once_key, job.data.workspace_id, job.data.url, attempts, result.error.message, JSON.stringify(job.data.body)],
      );
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 8 },
  );
}
