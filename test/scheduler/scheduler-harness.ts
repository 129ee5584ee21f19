import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { checkJourney } from '../../services/api/journeys/journey-check';
import { loadWebCheckContext } from '../../services/api/journeys/journey-web-check';
import type { JourneyGraph, JourneySettings } from '../../lib/domain/journeys/journey-graph';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { requestsOf, SEND_QUEUE, type SendBatchJob, type SendRequest } from '../../lib/contracts/sending/send-request';
import { OffsetClock } from '../../services/scheduler/clock';
import { buildScheduler, type Scheduler } from '../../services/scheduler/scheduler.app';
import { loadSchedulerConfig, type SchedulerConfig } from '../../services/scheduler/scheduler.config';
import { LOOPBACK_EGRESS, loopbackEgressPolicy } from '../support/loopback-egress';
import { baseConfig, newId, testLogger, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

export const DAY_MS = 86_400_000;

/** The scheduler's configuration for a test run: its own queue prefix and consumer group. */
export function schedulerConfig(env: TestEnv, overrides: Record<string, string> = {}): SchedulerConfig {
  return loadSchedulerConfig({
    CAIRN_POSTGRES_URL: env.postgresUrl,
    CAIRN_REDIS_URL: baseConfig.redisUrl,
    CAIRN_TOPIC_PREFIX: env.topicPrefix,
    CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
    CAIRN_KAFKA_BROKERS: baseConfig.kafkaBrokers.join(','),
    CAIRN_QUEUE_PREFIX: uniqueName('q'),
    CAIRN_SCHEDULER_GROUP_ID: uniqueName('sched'),
    CAIRN_SCHEDULER_TICK_MS: '200',
    CAIRN_SCHEDULER_WEBHOOK_BACKOFF_MS: '50',
    CAIRN_SCHEDULER_WEBHOOK_ATTEMPTS: '3',
    CAIRN_SCHEDULER_WEBHOOK_TIMEOUT_MS: '500',
    ...LOOPBACK_EGRESS,
    ...overrides,
  });
}

/** A workspace with contacts, segments, a list and live emails, written straight into PostgreSQL. */
export class Workspace {
  constructor(
    readonly pool: Pool,
    readonly id = newId(),
    /** the workspace's webhook signing secret */
    readonly webhookSecret = 'test-webhook-secret',
  ) {}

  async create(): Promise<this> {
    await this.pool.query('INSERT INTO workspaces (id, name, webhook_secret) VALUES ($1, $2, $3)', [
      this.id,
      'scheduler test',
      this.webhookSecret,
    ]);
    return this;
  }

  async contacts(
    n: number,
    fields: { time_zone?: string; consent_level?: number; account_id?: string } = {},
  ): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO contacts (workspace_id, email, time_zone, consent_level, account_id)
       SELECT $1, 'c' || i || '-' || $5 || '@example.test', $2, $3, $4 FROM generate_series(1, $6) AS i RETURNING id`,
      [this.id, fields.time_zone ?? null, fields.consent_level ?? 0, fields.account_id ?? null, newId().slice(0, 8), n],
    );
    return rows.map((r) => r.id);
  }

  async account(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      'INSERT INTO accounts (workspace_id, name) VALUES ($1, $2) RETURNING id',
      [this.id, 'Acme'],
    );
    return rows[0]!.id;
  }

  async segment(members: string[]): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO segments (workspace_id, name, kind) VALUES ($1, 'seg', 'dynamic') RETURNING id`,
      [this.id],
    );
    const id = rows[0]!.id;
    await this.addMembers(id, members);
    return id;
  }

  async addMembers(segmentId: string, members: string[]): Promise<void> {
    await this.pool.query(
      'INSERT INTO segment_members (segment_id, contact_id, workspace_id) SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING',
      [segmentId, members, this.id],
    );
  }

  async list(members: string[]): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO subscription_lists (workspace_id, name) VALUES ($1, 'news') RETURNING id`,
      [this.id],
    );
    const id = rows[0]!.id;
    await this.pool.query(
      'INSERT INTO list_memberships (list_id, contact_id, workspace_id) SELECT $1, unnest($2::uuid[]), $3',
      [id, members, this.id],
    );
    return id;
  }

  async email(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO emails (workspace_id, name, status, live_version) VALUES ($1, 'mail', 'live', 1) RETURNING id`,
      [this.id],
    );
    return rows[0]!.id;
  }

  /**
   * A journey that passed the go-live check (with the loopback allowlist the tests' API would have), set live
   * (what POST /v1/journeys/{id}/go-live does). `checked: false` skips the check: a journey that went live while a
   * name resolved elsewhere.
   */
  async liveJourney(
    graph: JourneyGraph,
    settings: Partial<JourneySettings> = {},
    options: { checked?: boolean } = {},
  ): Promise<string> {
    const full: JourneySettings = {
      target: 'contacts',
      start_at: new Date(Date.now() - 60_000).toISOString(),
      end_at: new Date(Date.now() + 60 * DAY_MS).toISOString(),
      time_zone: 'America/New_York',
      min_consent: 0,
      ...settings,
    };
    const emails = await this.pool.query<{ id: string; status: string }>(
      'SELECT id, status FROM emails WHERE workspace_id = $1',
      [this.id],
    );
    const segments = await this.pool.query<{ id: string }>('SELECT id FROM segments WHERE workspace_id = $1', [
      this.id,
    ]);
    const users = await this.pool.query<{ id: string }>('SELECT id::text FROM users WHERE workspace_id = $1', [
      this.id,
    ]);
    const issues = checkJourney(graph, full, {
      ...(await loadWebCheckContext(this.pool, this.id, graph)),
      emailStatus: new Map(emails.rows.map((r) => [r.id, r.status])),
      segmentIds: new Set(segments.rows.map((r) => r.id)),
      userIds: new Set(users.rows.map((r) => r.id)),
      egress: loopbackEgressPolicy,
    });
    if (issues.length > 0 && options.checked !== false) throw new Error(`journey check: ${JSON.stringify(issues)}`);
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO journeys (workspace_id, name, status, graph, settings, went_live_at) VALUES ($1, 'j', 'live', $2, $3, now()) RETURNING id`,
      [this.id, JSON.stringify(graph), JSON.stringify(full)],
    );
    return rows[0]!.id;
  }
}

/** A scheduler on the test's databases with a clock the test moves, plus readers for what it wrote. */
export class SchedulerRig {
  readonly clock = new OffsetClock();
  readonly pool: Pool;
  readonly scheduler: Scheduler;
  private readonly redis = createRedis(baseConfig.redisUrl, { forBullmq: true });
  readonly sendQueue: Queue<SendBatchJob>;

  constructor(
    readonly env: TestEnv,
    readonly config: SchedulerConfig = schedulerConfig(env),
  ) {
    this.pool = createPgPool(env.postgresUrl, 4);
    this.scheduler = buildScheduler(config, testLogger('scheduler'), { clock: this.clock });
    this.sendQueue = new Queue<SendBatchJob>(SEND_QUEUE, { connection: this.redis, prefix: config.queuePrefix });
  }

  async start(): Promise<this> {
    await this.scheduler.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.sendQueue.close();
    this.redis.disconnect();
    await this.pool.end();
  }

  /**
   * Every send request on the queue (the sender is not running in these tests), once the outbox relay has
   * published what the steps committed so far.
   */
  async sendRequests(): Promise<SendRequest[]> {
    await waitFor(
      () => this.outboxEmpty(),
      (empty) => empty,
      20_000,
    );
    const jobs = await this.sendQueue.getJobs(['waiting', 'active', 'completed', 'delayed', 'prioritized']);
    return jobs.flatMap((job) => requestsOf(job.data));
  }

  /** contact id → "tile/state" for one journey and iteration. */
  async positions(journeyId: string, iteration = 0): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ contact_id: string; tile_id: string; state: string }>(
      'SELECT contact_id, tile_id, state FROM journey_contacts WHERE journey_id = $1 AND iteration = $2',
      [journeyId, iteration],
    );
    return new Positions(rows.map((r) => [r.contact_id, `${r.tile_id}/${r.state}`]));
  }

  async outboxEmpty(): Promise<boolean> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM journey_outbox');
    return rows[0]?.n === 0;
  }
}

/** Counts values of a map: "tile/state" → how many contacts. */
export function tally(positions: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of positions.values()) out[value] = (out[value] ?? 0) + 1;
  return out;
}

/** Positions as a plain object, so a waitFor that times out shows them. */
export class Positions extends Map<string, string> {
  toJSON(): Record<string, number> {
    return tally(this);
  }
}

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A webhook target on loopback: /ok answers 200, /fail answers 500, /slow never answers in time. */
export async function webhookTarget(): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end(), 2_000);
      res.writeHead(req.url === '/ok' ? 200 : 500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
