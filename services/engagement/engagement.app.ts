import { hostname } from 'node:os';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { DNSResolver } from 'mailauth';
import { EgressClient } from '../../lib/platform/egress/egress-client';
import { egressPolicyOf } from '../../lib/platform/egress/egress-policy';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { BatchConsumer } from '../../lib/platform/kafka/batch-consumer';
import { startDecodingConsumer } from '../../lib/platform/kafka/decoding-consumer';
import { BatchingProducer, createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { MetricsListener } from '../../lib/platform/metrics/metrics-listener';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { sendQueueOf } from '../../lib/contracts/sending/send-queue';
import type { Service } from '../../lib/platform/shutdown';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { alertQueue, queueAlertWebhooks, startAlertWebhookWorker } from './alerts';
import { startDuePoller } from './due.poller';
import type { EngagementConfig } from './engagement.config';
import { buildEngagementHttp } from './engagement.http';
import { EngagementMetrics } from './engagement.metrics';
import { recordFirstOpens } from './first-open.consumer';
import { InboundSmtp } from './inbound-smtp';
import { MailtoUnsubscribe } from './mailto-unsubscribe';
import { authenticateMessage, dnsResolver } from './reply-authentication';
import { ReplyRecorder } from './reply-recorder';

export interface EngagementService extends Service {
  readonly metrics: EngagementMetrics;
  /** bound ports once started (tests bind 0) */
  ports(): { http: number; smtp: number | null };
}

/**
 * services/engagement: replies in (SMTP listener and signed webhook), first-open alerts from Kafka's opens,
 * scheduled sends and reminders when due, alert webhooks out, followed attachment downloads. Stateless: every
 * replica can run; PostgreSQL row locks and unique keys keep each side effect to one.
 */
export function buildEngagement(
  config: EngagementConfig,
  log: Logger,
  options: { dns?: DNSResolver } = {},
): EngagementService {
  const tokens = new TrackingTokenCodec(parseTrackingKeys(config.trackingKeys), config.trackingActiveKey);
  // the whole check may take a few lookups' time (SPF includes), never longer
  const auth = {
    resolver: options.dns ?? dnsResolver(config.dnsTimeoutMs),
    mta: hostname(),
    deadlineMs: 5 * config.dnsTimeoutMs,
  };
  const pool = createPgPool(config.postgresUrl, 8, log);
  const redis = createRedis(config.redisUrl, { forBullmq: true });
  const kafka = createKafka({ clientId: 'cairn-engagement', brokers: [...config.kafkaBrokers], log });
  const topics = topicsFor(config.topicPrefix);
  const codec = new EventCodec();
  const metrics = new EngagementMetrics();
  const egress = new EgressClient(egressPolicyOf(config));
  const sendQueue = sendQueueOf(redis, config.queuePrefix);
  const alerts = alertQueue(redis, config.queuePrefix);
  const webhook = { attempts: config.webhookAttempts, backoffMs: config.webhookBackoffMs };
  let producer: BatchingProducer | undefined;
  let http: FastifyInstance | undefined;
  let smtp: InboundSmtp | undefined;
  let consumer: BatchConsumer | undefined;
  let worker: Worker | undefined;
  let poller: { stop(): Promise<void> } | undefined;
  let metricsListener: MetricsListener | undefined;
  const bound = { http: 0, smtp: null as number | null };
  let stopping: Promise<void> | undefined;

  const start = async (): Promise<void> => {
    await ensureTopics(kafka, topics);
    producer = await BatchingProducer.connect(kafka);
    const recorder = new ReplyRecorder({ pool, producer, codec, topics, metrics });
    http = buildEngagementHttp({
      config,
      pool,
      recorder,
      authenticate: (message) => authenticateMessage(message, null, auth),
      log: log.child({ component: 'http' }),
    });
    await http.listen({ host: config.host, port: config.port });
    bound.http = (http.server.address() as { port: number }).port;
    if (config.smtpPort >= 0) {
      const unsubscribeMailbox = config.unsubscribeMailbox === '' ? null : config.unsubscribeMailbox;
      if (config.inboundDomains.length === 0) {
        log.warn(
          { unsubscribe_mailbox: unsubscribeMailbox !== null },
          'inbound_smtp_no_domains: CAIRN_ENGAGEMENT_INBOUND_DOMAINS is empty, so no reply is accepted over SMTP',
        );
      }
      smtp = new InboundSmtp({
        maxBytes: config.inboundMaxBytes,
        maxClients: config.smtpMaxClients,
        socketTimeoutMs: config.smtpSocketTimeoutMs,
        domains: config.inboundDomains,
        unsubscribeMailbox,
        recorder,
        unsubscriber: new MailtoUnsubscribe({ pool, producer, codec, topics, tokens, metrics }),
        authenticate: (message, peer) => authenticateMessage(message, peer, auth),
        metrics,
        log: log.child({ component: 'smtp' }),
      });
      bound.smtp = await smtp.listen(config.smtpPort, config.smtpHost);
    }
    worker = startAlertWebhookWorker({
      connection: redis,
      prefix: config.queuePrefix,
      pool,
      egress,
      timeoutMs: config.webhookTimeoutMs,
      metrics,
      log,
    });
    consumer = await startDecodingConsumer({
      kafka,
      groupId: config.groupId,
      topics: [topics.emailEvents],
      deadLetterTopic: topics.deadLetter,
      decode: (bytes) => codec.decode(bytes),
      producer,
      log: log.child({ component: 'first-open-consumer' }),
      fromBeginning: config.fromBeginning,
      poisonAttempts: config.poisonAttempts,
      onBatch: async (events) => {
        const created = await recordFirstOpens(
          pool,
          events.map((e) => e.value),
        );
        metrics.alerts.inc({ kind: 'first_open' }, created.length);
        await queueAlertWebhooks(
          alerts,
          created.filter((a) => a.webhook).map((a) => a.id),
          webhook,
        );
      },
    });
    poller = startDuePoller({
      pool,
      sendQueue,
      alertQueue: alerts,
      recorder,
      metrics,
      log,
      tickMs: config.tickMs,
      graceMs: config.reminderGraceMs,
      webhook,
    });
    if (config.metricsPort >= 0) {
      metricsListener = new MetricsListener(metrics.registry, { host: config.metricsHost, port: config.metricsPort });
      await metricsListener.start();
    }
  };

  const stopOnce = async (): Promise<void> => {
    await smtp?.close().catch(() => undefined);
    await http?.close().catch(() => undefined);
    await poller?.stop();
    await consumer?.stop().catch(() => undefined);
    await worker?.close().catch(() => undefined);
    egress.close();
    await metricsListener?.stop();
    await producer?.disconnect().catch(() => undefined);
    for (const queue of [sendQueue, alerts]) await queue.close().catch(() => undefined);
    await redis.quit().catch(() => undefined);
    await pool.end().catch(() => undefined);
  };

  return {
    name: 'engagement',
    metrics,
    start,
    stop: () => (stopping ??= stopOnce()),
    async healthcheck() {
      if (stopping || !http) return false;
      return pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    ports: () => ({ ...bound }),
  };
}
