import { performance } from 'node:perf_hooks';
import { Queue, Worker, type Job } from 'bullmq';
import { EgressClient } from '../../lib/platform/egress/egress-client';
import { egressPolicyOf } from '../../lib/platform/egress/egress-policy';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { readJob } from '../../lib/contracts/messages/queued-job';
import { SEND_QUEUE, type SendBatchJob } from '../../lib/contracts/sending/send-request';
import type { Service } from '../../lib/platform/shutdown';
import { systemClock, type Clock } from './clock';
import { startEngagementConsumer } from './engagement.consumer';
import type { EntryPasses } from './audience-entry';
import { tickJourneys, tileWorkMessage, type TileWork } from './journey-tick';
import { startRelayThread } from './outbox-relay-thread';
import type { SchedulerConfig } from './scheduler.config';
import { createSchedulerMetrics } from './scheduler.metrics';
import { runTileStep } from './tile-step';
import { WEBHOOK_QUEUE, type WebhookJob } from './webhook-job';
import { startWebhookWorker } from './webhook.worker';

/** BullMQ queue of tile steps: one job = one tile, one batch of contacts (claimed from PostgreSQL). */
export const STEP_QUEUE = 'journey-steps';

export interface SchedulerDeps {
  clock?: Clock;
}

export type Scheduler = Service & {
  /** the registry behind /metrics */
  metrics: ReturnType<typeof createSchedulerMetrics>;
  /** runs one tick now (tests use it after moving the clock) */
  tick(): Promise<void>;
};

/** The journey engine as a Service, built without listening; main.ts wires it and its listeners. */
export function buildScheduler(config: SchedulerConfig, log: Logger, deps: SchedulerDeps = {}): Scheduler {
  const clock = deps.clock ?? systemClock;
  const pool = createPgPool(config.postgresUrl, 10, log);
  const redis = createRedis(config.redisUrl, { forBullmq: true });
  const queueOptions = { connection: redis, prefix: config.queuePrefix };
  const stepQueue = new Queue<TileWork>(STEP_QUEUE, queueOptions);
  const sendQueue = new Queue<SendBatchJob>(SEND_QUEUE, queueOptions);
  const webhookQueue = new Queue<WebhookJob>(WEBHOOK_QUEUE, queueOptions);
  const kafka = createKafka({ clientId: 'cairn-scheduler', brokers: [...config.kafkaBrokers], log });
  const topics = topicsFor(config.topicPrefix);
  const codec = new EventCodec();
  const egress = new EgressClient(egressPolicyOf(config));
  const queueCounts = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const queue of [stepQueue, sendQueue, webhookQueue]) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      out[queue.name] = Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return out;
  };
  const metrics = createSchedulerMetrics(pool, queueCounts);
  let producer: BatchingProducer | undefined;
  let relay: ReturnType<typeof startRelayThread> | undefined;
  let stepWorker: Worker<unknown> | undefined;
  let webhookWorker: Worker<unknown> | undefined;
  let consumer: Awaited<ReturnType<typeof startEngagementConsumer>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  const enqueue = async (work: TileWork[], dedupe: boolean): Promise<void> => {
    if (work.length === 0) return;
    await stepQueue.addBulk(
      work.map((w) => ({
        name: 'step',
        data: w,
        // Tick jobs are deduplicated while one waits; follow-up jobs are not (a step may be running).
        opts: {
          removeOnComplete: true,
          removeOnFail: true,
          ...(dedupe ? { jobId: `tick-${w.journeyId}-${w.tileId}` } : {}),
        },
      })),
    );
  };

  const step = async (job: Job<unknown>): Promise<void> => {
    const work = readJob(job, tileWorkMessage, { log, unreadable: metrics.unreadableJobs });
    const started = performance.now();
    const result = await runTileStep(pool, { ...work, now: clock.now(), batchSize: config.batchSize });
    const ms = performance.now() - started;
    metrics.stepSeconds.observe(ms / 1000);
    log.debug({ jobId: job.id, tileId: work.tileId, moved: result.moved, ms: Math.round(ms) }, 'tile_step');
    if (result.outbox) relay?.nudge();
    const follow = result.nextTiles.map((tileId): TileWork => ({ v: 1, journeyId: work.journeyId, tileId }));
    if (result.more) follow.push(work);
    await enqueue(follow, false);
  };

  const passes: EntryPasses = new Map();
  let stopping = false;
  /** One pass over the live journeys; true while an audience entry ran out of its slice and wants more. */
  const tickOnce = async (): Promise<boolean> => {
    const started = performance.now();
    const { work, entering } = await tickJourneys(pool, {
      now: clock.now(),
      entryBatch: config.entryBatch,
      entryBudgetMs: config.entryBudgetMs,
      passes,
      log,
      onOutbox: () => relay?.nudge(),
    });
    await enqueue(work, true);
    log.debug({ ms: Math.round(performance.now() - started), entering }, 'tick');
    return entering;
  };

  const tick = async (): Promise<void> => {
    // A large entry goes on pass after pass (each enqueues the work found meanwhile) until it is complete.
    ticking ??= (async () => {
      while ((await tickOnce()) && !stopping);
    })()
      .catch((error: Error) => log.warn({ err: error.message }, 'tick_failed'))
      .finally(() => (ticking = undefined));
    await ticking;
  };

  const start = async (): Promise<void> => {
    await ensureTopics(kafka, topics);
    producer = await BatchingProducer.connect(kafka);
    relay = startRelayThread(
      {
        postgresUrl: config.postgresUrl,
        redisUrl: config.redisUrl,
        queuePrefix: config.queuePrefix,
        kafkaBrokers: [...config.kafkaBrokers],
        topicPrefix: config.topicPrefix,
        webhookAttempts: config.webhookAttempts,
        webhookBackoffMs: config.webhookBackoffMs,
        logLevel: config.logLevel,
        pollMs: 200,
      },
      log,
    );
    stepWorker = new Worker<unknown>(STEP_QUEUE, step, { ...queueOptions, concurrency: config.concurrency });
    webhookWorker = startWebhookWorker({
      ...queueOptions,
      pool,
      egress,
      timeoutMs: config.webhookTimeoutMs,
      now: () => clock.now(),
      log,
      onOutbox: () => relay?.nudge(),
      unreadable: metrics.unreadableJobs,
    });
    for (const worker of [stepWorker, webhookWorker])
      worker.on('error', (error) => log.warn({ err: error.message }, 'worker_error'));
    stepWorker.on('failed', (job, error) => log.error({ jobId: job?.id, err: error.message }, 'tile_step_failed'));
    consumer = await startEngagementConsumer({
      kafka,
      groupId: config.groupId,
      topics,
      codec,
      producer,
      pool,
      log,
      fromBeginning: config.fromBeginning,
      poisonAttempts: config.poisonAttempts,
      onWoken: (woken) =>
        enqueue(
          woken.map((w): TileWork => ({ v: 1, journeyId: w.journey_id, tileId: w.tile_id })),
          false,
        ),
    });
    timer = setInterval(() => void tick(), config.tickMs);
    void tick();
  };

  const stopOnce = async (): Promise<void> => {
    stopping = true;
    clearInterval(timer);
    await ticking;
    // Workers finish the step they hold (its transaction commits or rolls back), then nothing new starts.
    await stepWorker?.close().catch((error: Error) => log.warn({ err: error.message }, 'step_worker_close_failed'));
    await webhookWorker?.close().catch(() => undefined);
    egress.close();
    await consumer?.stop().catch((error: Error) => log.warn({ err: error.message }, 'consumer_stop_failed'));
    await relay?.stop();
    await producer?.disconnect().catch(() => undefined);
    for (const queue of [stepQueue, sendQueue, webhookQueue]) await queue.close().catch(() => undefined);
    redis.disconnect();
    await pool.end();
  };

  return {
    name: 'scheduler',
    start,
    stop: () => (stopped ??= stopOnce()),
    healthcheck: async () => {
      const pg = await pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
      const rd = await redis.ping().then(
        () => true,
        () => false,
      );
      return pg && rd && consumer !== undefined;
    },
    metrics,
    tick,
  };
}
