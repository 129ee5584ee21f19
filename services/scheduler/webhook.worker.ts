import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Pool } from 'pg';
import type { Logger } from '../../lib/logger';
import { postSignedWebhook } from '../../lib/webhooks/signed-webhook';
import type { WebhookPayload } from './step-effects';

export const WEBHOOK_QUEUE = 'journey-webhooks';

export type WebhookJob = WebhookPayload & { once_key: string };

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
