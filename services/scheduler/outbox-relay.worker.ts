import { parentPort, workerData } from 'node:worker_threads';
import { Queue } from 'bullmq';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, createKafka } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import { createLogger } from '../../lib/platform/logger';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { SEND_QUEUE, type SendBatchJob } from '../../lib/contracts/sending/send-request';
import { startRelay } from './outbox-relay';
import type { RelayThreadSettings, ToRelayThread } from './outbox-relay-thread';
import { WEBHOOK_QUEUE, type WebhookJob } from './webhook-job';

/**
 * Worker-thread side of startRelayThread: the outbox relay with its own PostgreSQL pool, Redis connection and Kafka
 * producer. Encoding a step's tile events and producing them takes more CPU than the step that wrote them; here
 * it runs beside the steps instead of between them.
 */
const settings = workerData as RelayThreadSettings;
const port = parentPort;
if (!port) throw new Error('outbox-relay.worker must run in a worker thread');

const log = createLogger({ service: 'scheduler', level: settings.logLevel }).child({ thread: 'outbox-relay' });
const pool = createPgPool(settings.postgresUrl, 2);
const redis = createRedis(settings.redisUrl, { forBullmq: true });
const queueOptions = { connection: redis, prefix: settings.queuePrefix };
const sendQueue = new Queue<SendBatchJob>(SEND_QUEUE, queueOptions);
const webhookQueue = new Queue<WebhookJob>(WEBHOOK_QUEUE, queueOptions);
const kafka = createKafka({ clientId: 'cairn-scheduler-relay', brokers: settings.kafkaBrokers, log });

void (async () => {
  const producer = await BatchingProducer.connect(kafka);
  const relay = startRelay(
    {
      pool,
      producer,
      codec: new EventCodec(),
      topics: topicsFor(settings.topicPrefix),
      sendQueue,
      webhookQueue,
      webhookAttempts: settings.webhookAttempts,
      webhookBackoffMs: settings.webhookBackoffMs,
      log,
    },
    settings.pollMs,
  );
  port.on('message', (message: ToRelayThread) => {
    if (message === 'nudge') return relay.nudge();
    void (async () => {
      // The current pass finishes (publish, then delete, in one transaction); what is left stays in the outbox.
      await relay.stop();
      await producer.disconnect().catch(() => undefined);
      for (const queue of [sendQueue, webhookQueue]) await queue.close().catch(() => undefined);
      redis.disconnect();
      await pool.end();
      port.postMessage('stopped');
      port.close();
    })();
  });
  port.postMessage('started');
})().catch((error: Error) => {
  log.error({ err: error.message }, 'relay_thread_failed');
  process.exit(1);
});
