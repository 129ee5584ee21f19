import { createHmac } from 'node:crypto';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Pool } from 'pg';
import { CairnError, err, ok, type Result } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { WebhookPayload } from './step-effects';

export const WEBHOOK_QUEUE = 'journey-webhooks';

export type WebhookJob = WebhookPayload & { once_key: string };

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a receiver can refuse replays of old bodies. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** One POST; an edge to the outside, so it returns a result instead of throwing. */
export async function postWebhook(job: WebhookJob, options: { secret: string; timeoutMs: number; now: number }): Promise<Result<number>> {
  const body = JSON.stringify(job.body);
  try {
    const response = await fetch(job.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': job.once_key,
        'x-cairn-signature': webhookSignature(options.secret, Math.floor(options.now / 1000), body),
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? ok(response.status) : err(new CairnError('WEBHOOK_FAILED', `HTTP ${response.status}`));
  } catch (cause) {
    return err(new CairnError('WEBHOOK_FAILED', (cause as Error).name === 'TimeoutError' ? 'timed out' : (cause as Error).message, { cause }));
  }
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
      const result = await postWebhook(job.data, { secret: options.secret, timeoutMs: options.timeoutMs, now: options.now() });
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
