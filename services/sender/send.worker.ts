import { DelayedError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../lib/platform/logger';
import { hashedJobId } from '../../lib/platform/redis/job-id';
import { readJob, type UnreadableJobs } from '../../lib/contracts/messages/queued-job';
import { requestsOf, SEND_QUEUE } from '../../lib/contracts/sending/send-request';
import { sendQueueMessage, type SendQueueJob } from '../../lib/contracts/sending/send-queue';
import type { ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import type { DeliveriesRepository, JourneyHold } from './deliveries.repository';
import { directItems, forwardItem, journeyItem, testItems, type DeliveryItem } from './delivery-item';
import type { SendPipeline } from './send.pipeline';

const KEEP = { removeOnComplete: 1000, removeOnFail: 5000 };

async function itemsOf(job: SendQueueJob, repo: DeliveriesRepository): Promise<DeliveryItem[]> {
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

type HoldSettings = { journeyHold: (journeyId: string) => Promise<JourneyHold>; recheckMs: number };

/**
 * Holds a journey's batch while the circuit breaker has paused its journey (docs/scheduler.md#circuit-breaker):
 * the job goes back to the queue's delayed set, unclaimed, and is looked at again after `recheckMs`; once the
 * journey is resumed it is sent like any batch. A journey stopped while paused sends nothing it held: its batches
 * complete unsent ('drop'), since the stop is final.
 *
 * NOTE: a held batch claims no key in the ledger before it is held, so holding it changes nothing that a resume
 * would have to undo, and nothing is sent twice: the keys are claimed when the batch is processed after resume.
 */
async function holdOf(
  job: Job<unknown>,
  token: string | undefined,
  data: SendQueueJob,
  hold: HoldSettings,
): Promise<JourneyHold> {
  if (data.kind !== 'journey') return 'send';
  const verdict = await hold.journeyHold(data.common.journey_id);
  if (verdict === 'hold') await job.moveToDelayed(Date.now() + hold.recheckMs, token);
  return verdict;
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
  unreadable: UnreadableJobs;
  hold: HoldSettings;
}): Worker<unknown> {
  const worker = new Worker<unknown>(
    SEND_QUEUE,
    async (job: Job<unknown>, token?: string) => {
      const data = readJob(job, sendQueueMessage, options);
      const log = options.log.child({ jobId: job.id, kind: data.kind });
      const hold = await holdOf(job, token, data, options.hold);
      if (hold === 'hold') {
        log.debug({}, 'send_job_held_journey_paused');
        throw new DelayedError();
      }
      if (hold === 'drop') return void log.info({}, 'send_job_dropped_journey_stopped_while_paused');
      const items = await itemsOf(data, options.repo);
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
  queue: Queue<SendQueueJob>,
  key: string,
  /**
   * the attempts so far (a soft-bounce retry, one job per attempt), `d<time>` (a throttle deferral) or `s<time>` (the
   * sweep queuing a retry whose job was lost). NOTE: the id must differ from every earlier job of the key, since
   * completed jobs are kept and BullMQ drops an add whose id exists; the ledger, not the id, keeps one attempt at a time.
   */
  attempts: number | string,
  delayMs: number,
): Promise<void> {
  await queue.add(
    'retry',
    { v: 1, kind: 'retry', keys: [key] },
    {
      jobId: `${hashedJobId('retry', key)}-${attempts}`,
      delay: delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      ...KEEP,
    },
  );
}

export async function enqueueForwards(queue: Queue<SendQueueJob>, requests: readonly ForwardRequest[]): Promise<void> {
  if (requests.length === 0) return;
  await queue.addBulk(
    requests.map((request) => ({
      name: 'forward',
      data: { v: 1 as const, kind: 'forward' as const, request },
      opts: {
        jobId: `forward-${request.request_id}`,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        ...KEEP,
      },
    })),
  );
}
