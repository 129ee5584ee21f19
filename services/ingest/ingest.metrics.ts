import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

interface Cell {
  count: number;
  child: { inc(value: number): void };
}

/**
 * A prom-client counter incremented per hit without prom-client on the hot path: its inc() (a bound child's
 * too) hashes and validates the label object on every call, about 3 µs for a hit's counters. Counts add up in
 * plain numbers per label set (one nested map level per label, nothing allocated per call) and go to the
 * counter when it is collected, at each scrape. The label sets must be few (route patterns, statuses,
 * reasons), never request data. Values in the counter's labelNames order.
 */
export class BoundCounter<T extends string> {
  private readonly cells = new Map<string, Map<string, Map<string, Cell>>>();
  private readonly counter: Counter<T>;
  private readonly labelCount: number;

  /** Registers the prom-client counter, which flushes these counts whenever it is collected. */
  constructor(config: { name: string; help: string; labelNames: readonly T[]; registers: Registry[] }) {
    this.counter = new Counter<T>({ ...config, collect: () => this.flush() });
    this.labelCount = config.labelNames.length;
  }

  inc(a: string, b = '', c = ''): void {
    let byB = this.cells.get(a);
    if (!byB) this.cells.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (!byC) byB.set(b, (byC = new Map()));
    let cell = byC.get(c);
    if (!cell) {
      const values = [a, b, c].slice(0, this.labelCount);
      byC.set(c, (cell = { count: 0, child: this.counter.labels(...values) }));
    }
    cell.count++;
  }

  /** Adds what was counted since the last flush to the prom-client counter (its collect hook). */
  private flush(): void {
    for (const byB of this.cells.values())
      for (const byC of byB.values())
        for (const cell of byC.values()) {
          if (cell.count > 0) cell.child.inc(cell.count);
          cell.count = 0;
        }
  }
}

type Registers = Registry[];
type SpoolState = () => { depth: number; bytes: number; spooling: boolean };
type UnfollowedSizes = () => { contacts: number; erased: number; workspaces: number };

/** One registry per app instance, so tests can build several apps in one process. */
export function createIngestMetrics(spool: SpoolState, unfollowed: UnfollowedSizes) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cairn_ingest_' });
  const registers = [registry];
  // Registered in this order (the order of /metrics): hits, Kafka produce, spool counters, gauges read at scrape.
  return {
    registry,
    ...hitCounters(registers),
    ...produceHistograms(registers),
    ...spoolCounters(registers),
    ...scrapedGauges(registers, spool, unfollowed),
  };
}

/** Counters incremented per request or hit (BoundCounter: no prom-client on the hot path). */
function hitCounters(registers: Registers) {
  const httpRequests = new BoundCounter({
    name: 'cairn_ingest_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const trackingHits = new BoundCounter({
    name: 'cairn_ingest_tracking_hits_total',
    help: 'recorded opens, clicks and other tracked actions; machine="true" is labelled machine traffic',
    labelNames: ['type', 'machine', 'reason'] as const,
    registers,
  });
  const unfollowedHits = new BoundCounter({
    name: 'cairn_ingest_unfollowed_hits_total',
    help: 'opens, clicks and attachment views not to be followed (Do Not Allow or erased contact, workspace following off): served, not recorded',
    labelNames: ['type'] as const,
    registers,
  });
  const eventsDurable = new BoundCounter({
    name: 'cairn_ingest_events_durable_total',
    help: 'events made durable, by path: kafka (acked) or spool (fsynced, to be replayed)',
    labelNames: ['path'] as const,
    registers,
  });
  const formSubmissions = new BoundCounter({
    name: 'cairn_ingest_form_submissions_total',
    help: 'form posts by outcome: accepted, replay, honeypot (answered, nothing written), too_fast, rate_limited, invalid, bad_ticket, origin',
    labelNames: ['outcome'] as const,
    registers,
  });
  return {
    /** per form post: outcome */
    formSubmissions,
    /** per request: route pattern, method, status */
    httpRequests,
    /** per tracked action: type, machine, reason */
    trackingHits,
    /** per hit not to be followed: type */
    unfollowedHits,
    /** per event made durable: path */
    eventsPublished: eventsDurable,
  };
}

function produceHistograms(registers: Registers) {
  return {
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
  };
}

/** Corrupt regions found in the spool and what was replayed from it. */
function spoolCounters(registers: Registers) {
  return {
    spoolLostRegions: new Counter({
      name: 'cairn_ingest_spool_corrupt_regions_total',
      help: 'corrupt regions of the spool skipped (each held at least one frame, lost), found at start or while replaying',
      registers,
    }),
    spoolLostBytes: new Counter({
      name: 'cairn_ingest_spool_corrupt_bytes_total',
      help: 'bytes of the spool skipped as corrupt',
      registers,
    }),
    eventsReplayed: new Counter({
      name: 'cairn_ingest_spool_replayed_total',
      help: 'spooled events replayed to Kafka and acknowledged',
      registers,
    }),
  };
}

/** Gauges set when they are collected: the spool's state and the sizes of who is not followed. */
function scrapedGauges(registers: Registers, spool: SpoolState, unfollowed: UnfollowedSizes) {
  return {
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
    unfollowed: new Gauge({
      name: 'cairn_ingest_unfollowed',
      help: 'Do Not Allow contacts (scope="contact"), erased contacts (scope="erased") and workspaces with following off (scope="workspace"), as last loaded',
      labelNames: ['scope'] as const,
      registers,
      collect() {
        const sizes = unfollowed();
        this.set({ scope: 'contact' }, sizes.contacts);
        this.set({ scope: 'erased' }, sizes.erased);
        this.set({ scope: 'workspace' }, sizes.workspaces);
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
