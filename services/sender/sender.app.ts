import { randomUUID } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { Pool } from 'pg';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { MetricsListener } from '../../lib/platform/metrics/metrics-listener';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { SendingDomainKeys } from './sending-domain-keys';
import { SendingDomainWarmup } from './sending-domain-warmup';
import { SendingDomainPause } from './sending-domain-pause';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import type { Service } from '../../lib/platform/shutdown';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { DeliveriesRepository } from './deliveries.repository';
import { startSweeper } from './delivery.sweeper';
import { startConfirmationPoller } from './confirmation.poller';
import { addressReportsGroup, consumeAddressReports, consumeForwardRequests } from './kafka-inputs.consumer';
import { MessagePreparer } from './message-preparer';
import { SendPipeline } from './send.pipeline';
import { enqueueForwards, enqueueRetry, startSendWorker } from './send.worker';
import { sendQueueOf } from '../../lib/contracts/sending/send-queue';
import { smtpTransportSettings, type SenderConfig } from './sender.config';
import { SenderMetrics } from './sender.metrics';
import type { SmtpDeliveryOptions } from './smtp-delivery';
import { DEFAULT_ROUTE, routesOf } from './routes.config';
import { RouteNames, SmtpRoutes } from './smtp-routes';
import { throttleSettingsOf } from './throttle.config';

export interface SenderService extends Service {
  /** the /metrics listener's port once started (tests bind port 0) */
  metricsPort(): number | null;
}

/** What the sender holds from build to stop. */
interface SenderCore {
  config: SenderConfig;
  log: Logger;
  pool: Pool;
  redis: ReturnType<typeof createRedis>;
  queue: ReturnType<typeof sendQueueOf>;
  kafka: ReturnType<typeof createKafka>;
  topics: ReturnType<typeof topicsFor>;
  tokens: TrackingTokenCodec;
  metrics: SenderMetrics;
  routes: SmtpRoutes;
  repo: DeliveriesRepository;
  /** how long before the next attempt of a message tried `attempts` times */
  backoff(attempts: number): number;
}

type Stoppable = { stop(): Promise<void> };

/** What start() opens, each kept as soon as it is open, so that stop() closes what a failed start left open. */
interface Running {
  producer?: BatchingProducer;
  worker?: Worker;
  sweeper?: Stoppable;
  confirmations?: Stoppable;
  consumers: Stoppable[];
  /** settles once the Kafka inputs joined their groups (or failed to) */
  consumersStarted: Promise<void>;
  metricsListener?: MetricsListener;
}

/** The sender as a Service: SEND_QUEUE and Kafka in, SMTP and Kafka events out. Built without listening. */
export function buildSender(config: SenderConfig, log: Logger): SenderService {
  const pool = createPgPool(config.postgresUrl, 12, log);
  const redis = createRedis(config.redisUrl, { forBullmq: true });
  const queue = sendQueueOf(redis, config.queuePrefix);
  const kafka = createKafka({ clientId: 'cairn-sender', brokers: [...config.kafkaBrokers], log });
  const topics = topicsFor(config.topicPrefix);
  const tokens = new TrackingTokenCodec(parseTrackingKeys(config.trackingKeys), config.trackingActiveKey);
  const metrics = new SenderMetrics(
    () => routes.queued(),
    () => routes.throttleKeys(),
  );
  const routes: SmtpRoutes = smtpRoutes(config, metrics, log, pool);
  const repo = new DeliveriesRepository(pool, `${process.pid}-${randomUUID()}`);
  const backoff = (attempts: number): number => config.retryBaseMs * 4 ** Math.max(0, attempts - 1);
  const core: SenderCore = { config, log, pool, redis, queue, kafka, topics, tokens, metrics, routes, repo, backoff };
  const running: Running = { consumers: [], consumersStarted: Promise.resolve() };
  let stopping: Promise<void> | undefined;
  return {
    name: 'sender',
    start: () => startSender(core, running),
    stop: () => (stopping ??= stopSender(core, running)),
    async healthcheck() {
      if (!running.worker?.isRunning() || stopping) return false;
      return pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    metricsPort: () => {
      const url = running.metricsListener?.url();
      return url ? Number(new URL(url).port) : null;
    },
  };
}

/** The default route and the operator's others (docs/sender.md#routes), their metrics labelled by route. */
function smtpRoutes(config: SenderConfig, metrics: SenderMetrics, log: Logger, pool: Pool): SmtpRoutes {
  const names = new RouteNames(pool, config.domainKeysTtlMs);
  const routeList = routesOf(config);
  for (const route of routeList)
    if (!route.tlsVerify || route.tls === 'off')
      log.warn({ route: route.describe(), tls: route.tls }, 'route_tls_weakened');
  const options = smtpOptions(config, metrics, log, pool);
  return new SmtpRoutes(
    options,
    routeList,
    (ws, from) => names.nameFor(ws, from),
    (route) => ({
      onLatency: (seconds) => metrics.smtpLatency.observe({ route }, seconds),
      // another route's throttle keys carry its name, as in its gauges (smtp-routes.ts)
      throttle: {
        ...options.throttle,
        onSignal: (key, signal) => metrics.throttleSignal(route === DEFAULT_ROUTE ? key : `${route}:${key}`, signal),
      },
    }),
  );
}

function smtpOptions(config: SenderConfig, metrics: SenderMetrics, log: Logger, pool: Pool): SmtpDeliveryOptions {
  const domainKeys = config.dkimKeyEncryptionKey
    ? new SendingDomainKeys(pool, config.dkimKeyEncryptionKey, config.domainKeysTtlMs, log)
    : null;
  return {
    url: config.smtpUrl,
    maxConnections: config.smtpConnections,
    maxMessagesPerConnection: config.messagesPerConnection,
    perDomainConcurrency: config.domainConcurrency,
    ratePerSecond: config.ratePerSecond,
    domainRatePerSecond: config.domainRatePerSecond,
    ...smtpTransportSettings(config, (message) => log.warn(message)),
    client: config.smtpClient === 'nodemailer' ? 'nodemailer' : 'lean',
    dkim:
      config.dkimDomain && config.dkimPrivateKey
        ? { domainName: config.dkimDomain, keySelector: config.dkimSelector, privateKey: config.dkimPrivateKey }
        : null,
    domainSigner: domainKeys ? (workspaceId, from) => domainKeys.signerFor(workspaceId, from) : undefined,
    onSigned: (key) => metrics.dkimSigned.inc({ key }),
    throttle: { ...throttleSettingsOf(config), onSignal: (key, signal) => metrics.throttleSignal(key, signal) },
    throttleMaxWaitMs: config.throttleMaxWaitMs,
  };
}

/** Topics, producer, the send pipeline and its worker, the Kafka inputs, the sweeper, then /metrics. */
async function startSender(core: SenderCore, running: Running): Promise<void> {
  const { config, log, repo, queue } = core;
  await ensureTopics(core.kafka, core.topics);
  const producer = await BatchingProducer.connect(core.kafka);
  running.producer = producer;
  const pipeline = sendPipeline(core, producer);
  running.worker = startSendWorker({
    connection: core.redis,
    prefix: config.queuePrefix,
    concurrency: config.jobConcurrency,
    stalledMs: config.stalledMs,
    repo,
    pipeline,
    log,
    unreadable: core.metrics.unreadableJobs,
    hold: { journeyHold: (journeyId) => repo.journeyHold(journeyId), recheckMs: config.pausedRecheckMs },
  });
  running.consumersStarted = startKafkaInputs(core, producer, running.consumers);
  running.sweeper = startSweeper({
    repo,
    pipeline,
    leaseMs: config.leaseMs,
    everyMs: config.sweepMs,
    log,
    overdueRetryMs: core.backoff(config.maxAttempts) + config.leaseMs,
    scheduleRetry: (key) => enqueueRetry(queue, key, `s${Date.now()}`, 0),
    onUnknown: (count) => core.metrics.messages.inc({ outcome: 'outcome_unknown' }, count),
  });
  running.confirmations = startConfirmationPoller({
    pool: core.pool,
    pipeline,
    everyMs: config.confirmPollMs,
    retakeMs: config.stalledMs,
    log,
  });
  if (config.metricsPort >= 0) {
    running.metricsListener = new MetricsListener(core.metrics.registry, {
      host: config.metricsHost,
      port: config.metricsPort,
    });
    await running.metricsListener.start();
  }
}

function sendPipeline(core: SenderCore, producer: BatchingProducer): SendPipeline {
  const { config } = core;
  const warmup = new SendingDomainWarmup(core.pool, config.domainKeysTtlMs);
  const pause = new SendingDomainPause(core.pool, config.domainKeysTtlMs, config.pausedRecheckMs);
  return new SendPipeline({
    repo: core.repo,
    routes: core.routes,
    producer,
    metrics: core.metrics,
    topics: core.topics,
    codec: new EventCodec(),
    preparer: new MessagePreparer(core.pool, core.tokens, {
      ingestUrl: config.ingestUrl,
      unsubscribeMailbox: config.unsubscribeMailbox || null,
      maxRenderChars: config.renderMaxChars,
    }),
    log: core.log.child({ component: 'pipeline' }),
    maxAttempts: config.maxAttempts,
    scheduleRetry: (key, attempts) => enqueueRetry(core.queue, key, attempts, core.backoff(attempts)),
    scheduleDeferral: (key, delayMs) => enqueueRetry(core.queue, key, `d${Date.now()}`, delayMs),
    warmup: (workspaceId, from) => warmup.take(workspaceId, from),
    domainPause: (workspaceId, from) => pause.wait(workspaceId, from),
  });
}

/**
 * Forward requests and address reports from Kafka; the consumers land in `consumers` once they joined.
 * Joining a consumer group can wait out a dead member's session; sending does not wait for it.
 */
function startKafkaInputs(core: SenderCore, producer: BatchingProducer, consumers: Stoppable[]): Promise<void> {
  const { config, topics, log } = core;
  const common = {
    kafka: core.kafka,
    producer,
    deadLetterTopic: topics.deadLetter,
    log,
    poisonAttempts: config.poisonAttempts,
  };
  return Promise.all([
    consumeForwardRequests(common, {
      groupId: `${config.groupId}-forwards`,
      topic: topics.forwardRequests,
      enqueue: (r) => enqueueForwards(core.queue, r),
    }),
    consumeAddressReports(common, {
      groupId: addressReportsGroup(config.groupId),
      topic: topics.addressReports,
      pool: core.pool,
    }),
  ]).then(
    (started) => void consumers.push(...started),
    (error: Error) => log.error({ err: error.message }, 'kafka_inputs_failed'),
  );
}

async function stopSender(core: SenderCore, running: Running): Promise<void> {
  const { log } = core;
  // In-flight batches finish within the deadline; past it the worker lets go and BullMQ hands them out again
  // (the ledger keeps that replay from sending anything twice).
  const force = setTimeout(() => void running.worker?.close(true), core.config.shutdownMs);
  await running.worker?.close().catch((error: Error) => log.warn({ err: error.message }, 'worker_close_failed'));
  clearTimeout(force);
  await running.sweeper?.stop();
  await running.confirmations?.stop();
  await running.consumersStarted;
  for (const consumer of running.consumers) await consumer.stop().catch(() => undefined);
  await running.metricsListener?.stop();
  await running.producer?.disconnect().catch(() => undefined);
  core.routes.close();
  await core.queue.close().catch(() => undefined);
  await core.redis.quit().catch(() => undefined);
  await core.pool.end().catch(() => undefined);
}
