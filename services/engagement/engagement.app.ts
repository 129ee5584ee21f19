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

/** What the service runs on: its settings, connections, queues and the reply check, made once in build. */
interface EngagementDeps {
  config: EngagementConfig;
  log: Logger;
  tokens: TrackingTokenCodec;
  auth: Parameters<typeof authenticateMessage>[2];
  pool: ReturnType<typeof createPgPool>;
  redis: ReturnType<typeof createRedis>;
  kafka: ReturnType<typeof createKafka>;
  topics: ReturnType<typeof topicsFor>;
  codec: EventCodec;
  metrics: EngagementMetrics;
  egress: EgressClient;
  sendQueue: ReturnType<typeof sendQueueOf>;
  alerts: ReturnType<typeof alertQueue>;
  webhook: { attempts: number; backoffMs: number };
}

/** What start opens, for stop to close. */
interface Running {
  producer?: BatchingProducer;
  http?: FastifyInstance;
  smtp?: InboundSmtp;
  consumer?: BatchConsumer;
  worker?: Worker;
  poller?: { stop(): Promise<void> };
  metricsListener?: MetricsListener;
  bound: { http: number; smtp: number | null };
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
  const deps = engagementDeps(config, log, options);
  const running: Running = { bound: { http: 0, smtp: null } };
  let stopping: Promise<void> | undefined;
  return {
    name: 'engagement',
    metrics: deps.metrics,
    start: () => startEngagement(deps, running),
    stop: () => (stopping ??= stopEngagement(deps, running)),
    async healthcheck() {
      if (stopping || !running.http) return false;
      return deps.pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
    },
    ports: () => ({ ...running.bound }),
  };
}

function engagementDeps(config: EngagementConfig, log: Logger, options: { dns?: DNSResolver }): EngagementDeps {
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
  return { config, log, tokens, auth, pool, redis, kafka, topics, codec, metrics, egress, sendQueue, alerts, webhook };
}

/** Kafka topics and producer, then the listeners (HTTP, SMTP), the alert worker, the consumer, the poller, metrics. */
async function startEngagement(deps: EngagementDeps, running: Running): Promise<void> {
  const { config, log, pool, redis, kafka, topics, codec, metrics, egress, sendQueue, alerts, webhook } = deps;
  await ensureTopics(kafka, topics);
  const producer = (running.producer = await BatchingProducer.connect(kafka));
  const recorder = new ReplyRecorder({ pool, producer, codec, topics, metrics });
  await startHttp(deps, recorder, running);
  if (config.smtpPort >= 0) await startInboundSmtp(deps, recorder, producer, running);
  running.worker = startAlertWebhookWorker({
    connection: redis,
    prefix: config.queuePrefix,
    pool,
    egress,
    timeoutMs: config.webhookTimeoutMs,
    metrics,
    log,
  });
  running.consumer = await startFirstOpenConsumer(deps, producer);
  running.poller = startDuePoller({
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
    running.metricsListener = new MetricsListener(metrics.registry, {
      host: config.metricsHost,
      port: config.metricsPort,
    });
    await running.metricsListener.start();
  }
}

/** The reply webhook, unsubscribe and download endpoints (engagement.http.ts). */
async function startHttp(
  { config, pool, auth, log }: EngagementDeps,
  recorder: ReplyRecorder,
  running: Running,
): Promise<void> {
  const http = (running.http = buildEngagementHttp({
    config,
    pool,
    recorder,
    authenticate: (message) => authenticateMessage(message, null, auth),
    log: log.child({ component: 'http' }),
  }));
  await http.listen({ host: config.host, port: config.port });
  running.bound.http = (http.server.address() as { port: number }).port;
}

/** Replies and mailto unsubscribes over SMTP, for the configured inbound domains. */
async function startInboundSmtp(
  deps: EngagementDeps,
  recorder: ReplyRecorder,
  producer: BatchingProducer,
  running: Running,
): Promise<void> {
  const { config, log, pool, codec, topics, tokens, metrics, auth } = deps;
  const unsubscribeMailbox = config.unsubscribeMailbox === '' ? null : config.unsubscribeMailbox;
  if (config.inboundDomains.length === 0) {
    log.warn(
      { unsubscribe_mailbox: unsubscribeMailbox !== null },
      'inbound_smtp_no_domains: CAIRN_ENGAGEMENT_INBOUND_DOMAINS is empty, so no reply is accepted over SMTP',
    );
  }
  const smtp = (running.smtp = new InboundSmtp({
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
  }));
  running.bound.smtp = await smtp.listen(config.smtpPort, config.smtpHost);
}

/** First opens from the email events: alerts recorded, their webhooks queued. */
async function startFirstOpenConsumer(deps: EngagementDeps, producer: BatchingProducer): Promise<BatchConsumer> {
  const { config, log, pool, kafka, topics, codec, metrics, alerts, webhook } = deps;
  return startDecodingConsumer({
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
}

/** Listeners first, so nothing new comes in; then the work in progress; the connections last. */
async function stopEngagement(deps: EngagementDeps, running: Running): Promise<void> {
  await running.smtp?.close().catch(() => undefined);
  await running.http?.close().catch(() => undefined);
  await running.poller?.stop();
  await running.consumer?.stop().catch(() => undefined);
  await running.worker?.close().catch(() => undefined);
  deps.egress.close();
  await running.metricsListener?.stop();
  await running.producer?.disconnect().catch(() => undefined);
  for (const queue of [deps.sendQueue, deps.alerts]) await queue.close().catch(() => undefined);
  await deps.redis.quit().catch(() => undefined);
  await deps.pool.end().catch(() => undefined);
}
