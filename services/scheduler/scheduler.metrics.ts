import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from 'pg';

/** Queue depth source: BullMQ's counts per queue (waiting, active, delayed). */
export type QueueCounts = () => Promise<Record<string, number>>;

/**
 * /metrics: contacts per tile state of live journeys (read from PostgreSQL at scrape time), step latency,
 * queue depth and outbox rows.
 */
export function createSchedulerMetrics(pool: Pool, queueCounts: QueueCounts) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cairn_scheduler_' });
  const contacts = new Gauge({
    name: 'cairn_scheduler_contacts',
    help: 'contacts of live journeys per tile type and state (at, waiting, done, blocked, failed)',
    labelNames: ['tile_state'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ state: string; n: string }>(
        `SELECT jc.state, count(*)::text AS n FROM journey_contacts jc JOIN journeys j ON j.id = jc.journey_id WHERE j.status = 'live' GROUP BY jc.state`,
      );
      contacts.reset();
      for (const row of rows) contacts.set({ tile_state: row.state }, Number(row.n));
    },
  });
  const depth = new Gauge({
    name: 'cairn_scheduler_queue_depth',
    help: 'BullMQ jobs waiting, active or delayed per queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      for (const [queue, n] of Object.entries(await queueCounts())) depth.set({ queue }, n);
    },
  });
  const outbox = new Gauge({
    name: 'cairn_scheduler_outbox_rows',
    help: 'outbox rows not yet relayed',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM journey_outbox');
      outbox.set(Number(rows[0]?.n ?? 0));
    },
  });
  const deadLetters = new Gauge({
    name: 'cairn_scheduler_outbox_dead_letters',
    help: 'outbox rows the relay could not read, kept in journey_outbox_dead_letters',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM journey_outbox_dead_letters');
      deadLetters.set(Number(rows[0]?.n ?? 0));
    },
  });
  const stepSeconds = new Histogram({
    name: 'cairn_scheduler_step_seconds',
    help: 'latency of one tile step (one batch of contacts, one transaction)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  /** step and webhook jobs failed unread (docs/messages.md#unreadable-messages) */
  const unreadableJobs = new Counter({
    name: 'cairn_scheduler_jobs_unreadable_total',
    help: 'queued jobs that could not be read, failed without a retry, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  return { registry, stepSeconds, unreadableJobs };
}
