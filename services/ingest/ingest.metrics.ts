import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A counter incremented per hit by label values, each label set's child bound on first use: prom-client's
 * inc({ ... }) hashes the label object on every call. Values in the counter's labelNames order; the label sets
 * must be few (route patterns, statuses, reasons), never request data.
 */
export class BoundCounter<T extends string> {
  private readonly children = new Map<string, { inc(): void }>();

  constructor(private readonly counter: Counter<T>) {}

  inc(...values: string[]): void {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = this.counter.labels(...values)));
    child.inc();
  }
}

/** One registry per app instance, so tests can build several apps in one process. */
export function createIngestMetrics(spool: () => { depth: number; bytes: number; spooling: boolean }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cairn_ingest_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'cairn_ingest_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    trackingHits: new Counter({
      name: 'cairn_ingest_tracking_hits_total',
      help: 'recorded opens, clicks and other tracked actions; machine="true" is labelled machine traffic',
      labelNames: ['type', 'machine', 'reason'] as const,
      registers,
    }),
    produceLatency: new Histogram({
      name: 'cairn_ingest_produce_latency_seconds',
      help: 'time from sending a batch to Kafka until acks=all',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    produceBatchSize: new Histogram({
      name: 'cairn_ingest_produce_batch_size',
      help: 'messages per Kafka produce request',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    eventsPublished: new Counter({
      name: 'cairn_ingest_events_durable_total',
      help: 'events made durable, by path: kafka (acked) or spool (fsynced, to be replayed)',
      labelNames: ['path'] as const,
      registers,
    }),
    eventsReplayed: new Counter({
      name: 'cairn_ingest_spool_replayed_total',
      help: 'spooled events replayed to Kafka and acknowledged',
      registers,
    }),
    spoolDepth: new Gauge({
      name: 'cairn_ingest_spool_depth',
      help: 'events waiting in the local spool for Kafka',
      registers,
      collect() {
        this.set(spool().depth);
      },
    }),
    spoolBytes: new Gauge({
      name: 'cairn_ingest_spool_bytes',
      help: 'bytes waiting in the local spool',
      registers,
      collect() {
        this.set(spool().bytes);
      },
    }),
    spooling: new Gauge({
      name: 'cairn_ingest_spooling',
      help: '1 while Kafka is unavailable and events go to the spool',
      registers,
      collect() {
        this.set(spool().spooling ? 1 : 0);
      },
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
