import { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import { EgressClient } from '../../lib/platform/egress/egress-client';
import { egressPolicyOf } from '../../lib/platform/egress/egress-policy';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { SEND_QUEUE, type SendBatchJob } from '../../lib/contracts/sending/send-request';
import type { Service } from '../../lib/platform/shutdown';
import { systemClock, type Clock } from './clock';
import { startEngagementConsumer } from './engagement.consumer';
import { clickhouseSendTimes } from './send-time-reader';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import type { TileWork } from './journey-tick';
import { startRelayThread, type RelayThreadSettings } from './outbox-relay-thread';
import type { SchedulerConfig } from './scheduler.config';
import { createSchedulerMetrics } from './scheduler.metrics';
import { stepEnqueuer, tileStepHandler, type EnqueueSteps } from './step-queue';
import { tickLoop, type TickLoop } from './tick-loop';
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

/** What the scheduler holds from build to stop. */
interface SchedulerCore {
  config: SchedulerConfig;
  log: Logger;
  clock: Clock;
  pool: Pool;
  redis: ReturnType<typeof createRedis>;
  queueOptions: { connection: ReturnType<typeof createRedis>; prefix: string };
  queues: Queue[];
  kafka: ReturnType<typeof createKafka>;
  topics: ReturnType<typeof topicsFor>;
  codec: EventCodec;
  egress: EgressClient;
  metrics: ReturnType<typeof createSchedulerMetrics>;
  enqueue: EnqueueSteps;
  loop: TickLoop;
  clickhouse: ClickHouse;
}

/** What start() opens, each kept as soon as it is open, so that stop() closes what a failed start left open. */
interface Running {
  producer?: BatchingProducer;
  relay?: ReturnType<typeof startRelayThread>;
  stepWorker?: Worker<unknown>;
  webhookWorker?: Worker<unknown>;
  consumer?: Awaited<ReturnType<typeof startEngagementConsumer>>;
}

/** The journey engine as a Service, built without listening; main.ts wires it and its listeners. */
export function buildScheduler(config: SchedulerConfig, log: Logger, deps: SchedulerDeps = {}): Scheduler {
  const clock = deps.clock ?? systemClock;
  const pool = createPgPool(config.postgresUrl, 10, log);
  const redis = createRedis(config.redisUrl, { forBullmq: true });
  const queueOptions = { connection: redis, prefix: config.queuePrefix };
  const stepQueue = new Queue<TileWork>(STEP_QUEUE, queueOptions);
  const sendQueue = new Queue<SendBatchJob>(SEND_QUEUE, queueOptions);
  const webhookQueue = new Queue<WebhookJob>(WEBHOOK_QUEUE, queueOptions);
  const queues: Queue[] = [stepQueue, sendQueue, webhookQueue];
  const running: Running = {};
  const nudge = (): void => running.relay?.nudge();
  const enqueue = stepEnqueuer(stepQueue);
  const { entryBatch, entryBudgetMs } = config;
  const core: SchedulerCore = {
    config,
    log,
    clock,
    pool,
    redis,
    queueOptions,
    queues,
    enqueue,
    kafka: createKafka({ clientId: 'cairn-scheduler', brokers: [...config.kafkaBrokers], log }),
    topics: topicsFor(config.topicPrefix),
    codec: new EventCodec(),
    egress: new EgressClient(egressPolicyOf(config)),
    metrics: createSchedulerMetrics(pool, () => queueDepths(queues)),
    loop: tickLoop({ pool, clock, entryBatch, entryBudgetMs, log, nudge, enqueue }),
    clickhouse: new ClickHouse({
      url: config.clickhouseUrl,
      database: config.clickhouseDatabase,
      user: config.clickhouseUser,
      password: config.clickhousePassword,
    }),
  };
  let stopped: Promise<void> | undefined;
  return {
    name: 'scheduler',
    start: () => startScheduler(core, running),
    stop: () => (stopped ??= stopScheduler(core, running)),
    healthcheck: () => healthy(core, running),
    metrics: core.metrics,
    tick: core.loop.tick,
  };
}

/** Jobs waiting, active and delayed per queue, for /metrics. */
async function queueDepths(queues: Queue[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const queue of queues) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
    out[queue.name] = Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return out;
}

function relaySettings(config: SchedulerConfig): RelayThreadSettings {
  return {
    postgresUrl: config.postgresUrl,
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    kafkaBrokers: [...config.kafkaBrokers],
    topicPrefix: config.topicPrefix,
    webhookAttempts: config.webhookAttempts,
    webhookBackoffMs: config.webhookBackoffMs,
    logLevel: config.logLevel,
    pollMs: 200,
  };
}

/** Topics, producer, outbox relay, step and webhook workers, engagement consumer, then the tick. */
async function startScheduler(core: SchedulerCore, running: Running): Promise<void> {
  const { config, log } = core;
  await ensureTopics(core.kafka, core.topics);
  const producer = await BatchingProducer.connect(core.kafka);
  running.producer = producer;
  running.relay = startRelayThread(relaySettings(config), log);
  startWorkers(core, running);
  running.consumer = await startEngagementConsumer({
    kafka: core.kafka,
    groupId: config.groupId,
    topics: core.topics,
    codec: core.codec,
    producer,
    pool: core.pool,
    log,
    fromBeginning: config.fromBeginning,
    poisonAttempts: config.poisonAttempts,
    breaker: {
      hardBounceRate: config.breakerHardBounceRate,
      complaintRate: config.breakerComplaintRate,
      minSends: config.breakerMinSends,
      windowHours: config.breakerWindowHours,
    },
    now: () => core.clock.now(),
    onOutbox: () => running.relay?.nudge(),
    onWoken: (woken) =>
      core.enqueue(
        woken.map((w): TileWork => ({ v: 1, journeyId: w.journey_id, tileId: w.tile_id })),
        false,
      ),
  });
  core.loop.start(config.tickMs);
}

/** The step worker (tileStepHandler) and the webhook worker, their errors logged. */
function startWorkers(core: SchedulerCore, running: Running): void {
  const { config, log, pool, clock, queueOptions } = core;
  const nudge = (): void => running.relay?.nudge();
  const step = tileStepHandler({
    pool,
    clock,
    batchSize: config.batchSize,
    sendTimes: clickhouseSendTimes(core.clickhouse, log),
    metrics: core.metrics,
    log,
    nudge,
    enqueue: core.enqueue,
  });
  const stepWorker = new Worker<unknown>(STEP_QUEUE, step, { ...queueOptions, concurrency: config.concurrency });
  running.stepWorker = stepWorker;
  const webhookWorker = startWebhookWorker({
    ...queueOptions,
    pool,
    egress: core.egress,
    timeoutMs: config.webhookTimeoutMs,
    now: () => clock.now(),
    log,
    onOutbox: nudge,
    unreadable: core.metrics.unreadableJobs,
  });
  running.webhookWorker = webhookWorker;
  for (const worker of [stepWorker, webhookWorker])
    worker.on('error', (error) => log.warn({ err: error.message }, 'worker_error'));
  stepWorker.on('failed', (job, error) => log.error({ jobId: job?.id, err: error.message }, 'tile_step_failed'));
}

async function stopScheduler(core: SchedulerCore, running: Running): Promise<void> {
  const { log } = core;
  await core.loop.stop();
  // Workers finish the step they hold (its transaction commits or rolls back), then nothing new starts.
  await running.stepWorker
    ?.close()
    .catch((error: Error) => log.warn({ err: error.message }, 'step_worker_close_failed'));
  await running.webhookWorker?.close().catch(() => undefined);
  core.egress.close();
  await running.consumer?.stop().catch((error: Error) => log.warn({ err: error.message }, 'consumer_stop_failed'));
  await running.relay?.stop();
  await running.producer?.disconnect().catch(() => undefined);
  for (const queue of core.queues) await queue.close().catch(() => undefined);
  core.redis.disconnect();
  await core.clickhouse.close().catch(() => undefined);
  await core.pool.end();
}

async function healthy(core: SchedulerCore, running: Running): Promise<boolean> {
  const pg = await core.pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  const rd = await core.redis.ping().then(
    () => true,
    () => false,
  );
  return pg && rd && running.consumer !== undefined;
}
