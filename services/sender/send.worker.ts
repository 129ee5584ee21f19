import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/platform/logger';
import { hashedJobId } from '../../lib/platform/redis/job-id';
import { requestsOf, SEND_QUEUE, type SendBatchJob } from '../../lib/contracts/sending/send-request';
import type { TestSendJob } from '../../lib/contracts/sending/test-send';
import type { DirectSendJob } from '../../lib/contracts/sending/direct-send';
import type { ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import type { DeliveriesRepository } from './deliveries.repository';
import { directItems, forwardItem, journeyItem, testItems, type DeliveryItem } from './delivery-item';
import type { SendPipeline } from './send.pipeline';

/** Everything on SEND_QUEUE: the journey's batches, the API's test sends, and the sender's own jobs. */
export type SenderJob =
  | SendBatchJob
  | TestSendJob
  | DirectSendJob
  | { kind: 'forward'; request: ForwardRequest }
  | { kind: 'retry'; keys: string[] };

const KEEP = { removeOnComplete: 1000, removeOnFail: 5000 };

export function senderQueue(connection: Redis, prefix: string): Queue<SenderJob> {
  return new Queue<SenderJob>(SEND_QUEUE, { connection, prefix });
}

async function itemsOf(job: SenderJob, repo: DeliveriesRepository): Promise<DeliveryItem[]> {
  switch (job.kind) {
    case 'journey':
      return requestsOf(job).map(journeyItem);
    case 'test':
      return testItems(job);
    case 'forward':
      return [forwardItem(job.request)];
    case 'direct':
      return directItems(job);
    case 'retry':
      return repo.itemsFor(job.keys);
  }
}

/**
 * A batch job completes once every message in it is recorded; if the worker dies first, BullMQ hands the job
 * out again after the lock expires, and the ledger (sender_deliveries) makes that replay send only what was not
 * attempted.
 */
export function startSendWorker(options: {
  connection: Redis;
  prefix: string;
  concurrency: number;
  stalledMs: number;
  repo: DeliveriesRepository;
  pipeline: SendPipeline;
  log: Logger;
}): Worker<SenderJob> {
  const worker = new Worker<SenderJob>(
    SEND_QUEUE,
    async (job: Job<SenderJob>) => {
      const log = options.log.child({ jobId: job.id, kind: job.data.kind });
      const items = await itemsOf(job.data, options.repo);
      await options.pipeline.process(items);
      log.debug({ messages: items.length }, 'send_job_done');
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.stalledMs,
      stalledInterval: options.stalledMs,
      maxStalledCount: 1_000,
    },
  );
  worker.on('failed', (job, error) => options.log.warn({ jobId: job?.id, err: error.message }, 'send_job_failed'));
  worker.on('error', (error) => options.log.warn({ err: error.message }, 'send_worker_error'));
  return worker;
}

export async function enqueueRetry(
  queue: Queue<SenderJob>,
  key: string,
  attempts: number,
  delayMs: number,
): Promise<void> {
  await queue.add(
    'retry',
    { kind: 'retry', keys: [key] },
    {
      jobId: `${hashedJobId('retry', key)}-${attempts}`,
      delay: delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      ...KEEP,
    },
  );
}

export async function enqueueForwards(queue: Queue<SenderJob>, requests: readonly ForwardRequest[]): Promise<void> {
  if (requests.length === 0) return;
  await queue.addBulk(
    requests.map((request) => ({
      name: 'forward',
      data: { kind: 'forward' as const, request },
      opts: {
        jobId: `forward-${request.request_id}`,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        ...KEEP,
      },
    })),
  );
}
