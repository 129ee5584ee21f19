import type { FastifyInstance } from 'fastify';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { createKafka } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import type { Logger } from '../../lib/platform/logger';
import { MetricsListener } from '../../lib/platform/metrics/metrics-listener';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import type { Service } from '../../lib/platform/shutdown';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { buildIngestApp } from './app';
import { loadCountryLookup } from './client-country';
import { DurableSpool } from './durable-spool';
import { EventSink } from './event-sink';
import type { IngestConfig } from './ingest.config';
import { createIngestMetrics, type IngestMetrics } from './ingest.metrics';
import { createKafkaProducer, type EventProducer, InThreadProducer } from './kafka-producer';
import { WorkerProducer } from './kafka-worker-producer';
import { LinkResolver } from './links.repository';
import { FollowingPolicy } from './following-policy';

export interface IngestService extends Service {
  app: FastifyInstance;
  sink: EventSink;
  /** the bound address after start(), e.g. http://127.0.0.1:40123 */
  url(): string;
  /** the Prometheus listener's address after start(), e.g. http://127.0.0.1:9081 (scrape <it>/metrics) */
  metricsUrl(): string;
}

function createProducer(config: IngestConfig, log: Logger, metrics: IngestMetrics): EventProducer {
  const observer = {
    batchSent(size: number, seconds: number) {
      metrics.produceBatchSize.observe(size);
      metrics.produceLatency.observe(seconds);
    },
  };
  const batching = { lingerMs: config.lingerMs, maxBatch: config.maxBatch };
  if (config.kafkaThread === 'worker') {
    return new WorkerProducer({ ...batching, brokers: [...config.kafkaBrokers], logLevel: config.logLevel }, observer);
  }
  if (config.kafkaThread !== 'main') throw new Error('CAIRN_INGEST_KAFKA_THREAD must be "worker" or "main"');
  const kafka = createKafka({ clientId: 'cairn-ingest', brokers: [...config.kafkaBrokers], log });
  return new InThreadProducer(createKafkaProducer(kafka), batching, observer);
}

/**
 * The ingest process's parts, wired and not yet started: PostgreSQL pool, Kafka producer behind the spooling sink,
 * the HTTP app, the /metrics listener.
 */
function createIngestParts(config: IngestConfig, log: Logger) {
  const pool = createPgPool(config.postgresUrl, 10, log);
  const redis = createRedis(config.redisUrl);
  // An unhandled 'error' event would end the process; the rate limits fail open while Redis is away.
  redis.on('error', (error: Error) => log.warn({ err: error.message }, 'redis_error'));
  const topics = topicsFor(config.topicPrefix);
  const codec = new EventCodec();
  // The gauges read the sink lazily, at scrape time, after it exists.
  const metrics = createIngestMetrics(
    () => ({ depth: sink.spoolDepth, bytes: sink.spoolBytes, spooling: sink.spooling }),
    () => following.sizes,
  );
  const spool = new DurableSpool(config.spoolDir, config.spoolMaxBytes);
  const sink = new EventSink(
    createProducer(config, log, metrics),
    spool,
    { codec, topics, metrics, log },
    {
      maxInFlight: config.maxInFlight,
      replayBatch: config.maxBatch,
    },
  );
  const tokens = new TrackingTokenCodec(parseTrackingKeys(config.trackingKeys), config.trackingActiveKey);
  const links = new LinkResolver(pool, { maxEntries: config.linkCacheSize, ttlMs: config.linkCacheTtlMs });
  const following = new FollowingPolicy(pool, config.followingRefreshMs, log);
  const app = buildIngestApp({
    config,
    log,
    pool,
    redis,
    sink,
    tokens,
    topics,
    codec,
    links,
    following,
    metrics,
    countryOf: loadCountryLookup(),
  });
  const metricsListener = new MetricsListener(metrics.registry, { host: config.metricsHost, port: config.metricsPort });
  return { pool, redis, sink, following, app, metricsListener };
}

/** Wires the ingest process (createIngestParts) and starts and stops its parts in order. */
export function createIngestService(config: IngestConfig, log: Logger): IngestService {
  const { pool, redis, sink, following, app, metricsListener } = createIngestParts(config, log);
  let address = '';
  let stopped = false;

  return {
    name: 'ingest',
    app,
    sink: sink,
    url: () => address,
    metricsUrl: () => metricsListener.url(),
    async start() {
      await sink.start();
      await following.start();
      await metricsListener.start();
      address = await app.listen({ host: config.host, port: config.port });
      log.info({ address, metrics: metricsListener.url() }, 'ingest_listening');
    },
    /** Stops taking requests first, then drains the sink (failed sends land in the spool), then PostgreSQL. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close().catch((error: Error) => log.error({ err: error }, 'http_close_failed'));
      await sink.stop().catch((error: Error) => log.error({ err: error }, 'sink_stop_failed'));
      await metricsListener.stop().catch((error: Error) => log.error({ err: error }, 'metrics_close_failed'));
      await following.stop();
      await pool.end().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
    async healthcheck() {
      return !stopped && !sink.spooling;
    },
  };
}
