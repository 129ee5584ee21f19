import { randomUUID } from 'node:crypto';
import type { Worker } from 'bullmq';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { MetricsListener } from '../../lib/platform/metrics/metrics-listener';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import type { Service } from '../../lib/platform/shutdown';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { DeliveriesRepository } from './deliveries.repository';
import { startSweeper } from './delivery.sweeper';
import { addressReportsGroup, consumeAddressReports, consumeForwardRequests } from './kafka-inputs.consumer';
import { MessagePreparer } from './message-preparer';
import { SendPipeline } from './send.pipeline';
import { enqueueForwards, enqueueRetry, startSendWorker } from './send.worker';
import { sendQueueOf } from '../../lib/contracts/sending/send-queue';
import { smtpTransportSettings, type SenderConfig } from './sender.config';
import { SenderMetrics } from './sender.metrics';
import { SmtpDelivery } from './smtp-delivery';

export interface SenderService extends Service {
  /** the /metrics listener's port once started (tests bind port 0) */
  metricsPort(): number | null;
}

/** The sender as a Service: SEND_QUEUE and Kafka in, SMTP and Kafka events out. Built without listening. */
export function buildSender(config: SenderConfig, log: Logger): SenderService {
  const pool = createPgPool(config.postgresUrl, 12, log);
  const redis = createRedis(config.redisUrl, { forBullmq: true });
  const queue = sendQueueOf(redis, config.queuePrefix);
  const kafka = createKafka({ clientId: 'cairn-sender', brokers: [...config.kafkaBrokers], log });
  const topics = topicsFor(config.topicPrefix);
  const tokens = new TrackingTokenCodec(parseTrackingKeys(config.trackingKeys), config.trackingActiveKey);
  const metrics = new SenderMetrics(() => delivery.queued());
  const delivery = new SmtpDelivery({
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
    onLatency: (seconds) => metrics.smtpLatency.observe(seconds),
  });
  const repo = new DeliveriesRepository(pool, `${process.pid}-${randomUUID()}`);
  const backoff = (attempts: number): number => config.retryBaseMs * 4 ** Math.max(0, attempts - 1);
  let producer: BatchingProducer | undefined;
  let pipeline: SendPipeline | undefined;
  let worker: Worker | undefined;
  let sweeper: { stop(): Promise<void> } | undefined;
  const consumers: { stop(): Promise<void> }[] = [];
  let consumersStarted: Promise<void> = Promise.resolve();
  let metricsListener: MetricsListener | undefined;
  let stopping: Promise<void> | undefined;

  const start = async (): Promise<void> => {
    await ensureTopics(kafka, topics);
    producer = await BatchingProducer.connect(kafka);
    pipeline = new SendPipeline({
      repo,
      delivery,
      producer,
      metrics,
      topics,
      codec: new EventCodec(),
      preparer: new MessagePreparer(pool, tokens, {
        ingestUrl: config.ingestUrl,
        unsubscribeMailbox: config.unsubscribeMailbox || null,
        maxRenderChars: config.renderMaxChars,
      }),
      log: log.child({ component: 'pipeline' }),
      maxAttempts: config.maxAttempts,
      scheduleRetry: (key, attempts) => enqueueRetry(queue, key, attempts, backoff(attempts)),
    });
    worker = startSendWorker({
      connection: redis,
      prefix: config.queuePrefix,
      concurrency: config.jobConcurrency,
      stalledMs: config.stalledMs,
      repo,
      pipeline,
      log,
      unreadable: metrics.unreadableJobs,
    });
    // Joining a consumer group can wait out a dead member's session; sending does not wait for it.
    const common = { kafka, producer, deadLetterTopic: topics.deadLetter, log, poisonAttempts: config.poisonAttempts };
    consumersStarted = Promise.all([
      consumeForwardRequests(common, {
        groupId: `${config.groupId}-forwards`,
        topic: topics.forwardRequests,
        enqueue: (r) => enqueueForwards(queue, r),
      }),
      consumeAddressReports(common, {
        groupId: addressReportsGroup(config.groupId),
        topic: topics.addressReports,
        pool,
      }),
    ]).then(
      (started) => void consumers.push(...started),
      (error: Error) => log.error({ err: error.message }, 'kafka_inputs_failed'),
    );
    sweeper = startSweeper({
      repo,
      pipeline,
      leaseMs: config.leaseMs,
      everyMs: config.sweepMs,
      log,
      overdueRetryMs: backoff(config.maxAttempts) + config.leaseMs,
      scheduleRetry: (key) => enqueueRetry(queue, key, 0, 0),
      onUnknown: (count) => metrics.messages.inc({ outcome: 'outcome_unknown' }, count),
    });
    if (config.metricsPort >= 0) {
      metricsListener = new MetricsListener(metrics.registry, { host: config.metricsHost, port: config.metricsPort });
      await metricsListener.start();
    }
  };

  const stopOnce = async (): Promise<void> => {
    // In-flight batches finish within the deadline; past it the worker lets go and BullMQ hands them out again
    // (the ledger keeps that replay from sending anything twice).
    const force = setTimeout(() => void worker?.close(true), config.shutdownMs);
    await worker?.close().catch((error: Error) => log.warn({ err: error.message }, 'worker_close_failed'));
    clearTimeout(force);
    await sweeper?.stop();
    await consumersStarted;
    for (const consumer of consumers) await consumer.stop().catch(() => undefined);
    await metricsListener?.stop();
    await producer?.disconnect().catch(() => undefined);
    delivery.close();
    await queue.close().catch(() => undefined);
    await redis.quit().catch(() => undefined);
    await pool.end().catch(() => undefined);
  };

  return {
    name: 'sender',
    start,
    stop: () => (stopping ??= stopOnce()),
    async healthcheck() {
      if (!worker?.isRunning() || stopping) return false;
      return pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    metricsPort: () => (metricsListener?.url() ? Number(new URL(metricsListener.url()).port) : null),
  };
}
