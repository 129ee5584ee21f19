// bench: bulk campaign end to end, segment → email → end over 1M contacts (scheduler, sender, aggregator as processes → smtp-sink → send events in ClickHouse) vs the send bench in the same run
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { sql } from '../lib/platform/clickhouse/sql';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { createRedis } from '../lib/platform/redis/redis-connection';
import type { ChildServer } from '../test/ingest/ingest-process';
import { TRACKING_KEYS } from '../test/ingest/ingest-support';
import { Workspace } from '../test/scheduler/scheduler-harness';
import { clickhouseLoginEnv } from '../test/support/clickhouse-users';
import { PrivateRedis } from '../test/support/private-redis';
import { createTestEnv, uniqueName, type TestEnv } from '../test/support/test-env';
import { isQuick, processTreeCpuSeconds, progress, report, round } from './bench-support';
import { DatabaseSizeSampler, peakRss, redisMemory, startServiceProcess } from './campaign-processes';
import { MESSAGES, measureSender, messageSize, SENDER_LIMITS, seedLiveEmail } from './send-support';
import { benchEmail } from './sender-fixture';

/** Recipients of the campaign: CAIRN_BENCH_RECIPIENTS for a development run, else 100,000 quick or 1,000,000. */
const RECIPIENTS = Number(process.env.CAIRN_BENCH_RECIPIENTS ?? 0) || (isQuick ? 100_000 : 1_000_000);
const SINK = process.env.CAIRN_SMTP_SINK ?? '127.0.0.1:2525';
/** Not the journey-step bench's port (16390): the two can run at once. */
const REDIS_PORT = 16_391;
const MIB = 2 ** 20;

type Services = Record<'aggregator' | 'sender' | 'scheduler', ChildServer>;

/**
 * The audience, loaded straight into PostgreSQL with one INSERT … SELECT generate_series as the journey-step bench
 * does (not measured): contacts with the merge fields the email uses, all of them in one static segment.
 */
async function loadAudience(pool: Pool, ws: string): Promise<string> {
  await pool.query(
    `INSERT INTO contacts (workspace_id, email, first_name, last_name, time_zone, consent_level, attributes)
     SELECT $1, 'r' || i || '@example.com', 'Name' || i, 'Surname' || i, 'Europe/Oslo', 4,
            jsonb_build_object('city', CASE WHEN i % 3 = 0 THEN 'Oslo' ELSE 'Bergen' END, 'plan', 'pro',
                               'tier', i % 5, 'points', i * 7, 'manager', 'Kari & Ola')
       FROM generate_series(1, $2) AS i`,
    [ws, RECIPIENTS],
  );
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO segments (workspace_id, name, kind) VALUES ($1, 'campaign audience', 'static') RETURNING id`,
    [ws],
  );
  const segment = rows[0]!.id;
  await pool.query(
    'INSERT INTO segment_members (segment_id, contact_id, workspace_id) SELECT $1, id, $2 FROM contacts WHERE workspace_id = $2',
    [segment, ws],
  );
  await pool.query('VACUUM ANALYZE');
  return segment;
}

/** The three services on the run's databases, topics, private Redis and queue prefix, each its own process. */
async function startServices(env: TestEnv, redisUrl: string): Promise<Services> {
  const common = {
    CAIRN_POSTGRES_URL: env.postgresUrl,
    CAIRN_REDIS_URL: redisUrl,
    CAIRN_KAFKA_BROKERS: env.settings.kafkaBrokers.join(','),
    CAIRN_TOPIC_PREFIX: env.topicPrefix,
    CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
    CAIRN_QUEUE_PREFIX: uniqueName('campaign'),
  };
  const started: ChildServer[] = [];
  const start = async (...args: Parameters<typeof startServiceProcess>): Promise<ChildServer> => {
    const child = await startServiceProcess(...args);
    started.push(child);
    return child;
  };
  try {
    const aggregator = await start('aggregator', 'CAIRN_AGGREGATOR_HEALTH_PORT', {
      ...common,
      ...clickhouseLoginEnv((await env.clickhouseLogins()).aggregator),
      CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
    });
    const sender = await start('sender', 'CAIRN_SENDER_HEALTH_PORT', {
      ...common,
      ...SENDER_LIMITS,
      CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
      CAIRN_SENDER_SMTP_URL: `smtp://${SINK}`,
      CAIRN_SENDER_GROUP_ID: uniqueName('sender'),
      CAIRN_SENDER_METRICS_PORT: '-1',
    });
    const scheduler = await start('scheduler', 'CAIRN_SCHEDULER_HEALTH_PORT', {
      ...common,
      CAIRN_SCHEDULER_GROUP_ID: uniqueName('sched'),
    });
    return { aggregator, sender, scheduler };
  } catch (error) {
    // children are not detached, yet a bench that exits does not end them: stop what did start
    for (const child of started.reverse()) await child.stop();
    throw error;
  }
}

/** The sender's events of the workspace in ClickHouse by type (events_raw, sorted by workspace and type first). */
async function senderEvents(env: TestEnv, ws: string): Promise<Map<string, number>> {
  const rows = await env.clickhouse.rows<{ event_type: string; n: string }>(
    sql`SELECT event_type, count() AS n FROM events_raw
         WHERE workspace_id = ${ws} AND event_type IN ('send', 'blocked', 'bounce', 'sending_failed')
         GROUP BY event_type`,
  );
  return new Map(rows.map((r) => [r.event_type, Number(r.n)]));
}

/**
 * From go-live until ClickHouse counts a send event for every recipient; fails at once when the sender records
 * anything else (blocked, bounced, failed), as the campaign would then never complete.
 */
async function untilAllSent(env: TestEnv, ws: string, wentLive: number): Promise<{ firstSend: number }> {
  const deadline = Date.now() + 600_000 + RECIPIENTS * 20;
  let firstSend = 0;
  let lastProgress = 0;
  for (;;) {
    const counts = await senderEvents(env, ws);
    const sent = counts.get('send') ?? 0;
    if (sent > 0 && firstSend === 0) firstSend = (performance.now() - wentLive) / 1000;
    const others = [...counts].filter(([type, n]) => type !== 'send' && n > 0);
    if (others.length > 0) throw new Error(`the sender recorded other outcomes: ${JSON.stringify(others)}`);
    if (sent >= RECIPIENTS) return { firstSend };
    if (Date.now() > deadline) throw new Error(`timed out with ${sent} of ${RECIPIENTS} send events counted`);
    if (Date.now() - lastProgress > 15_000) {
      lastProgress = Date.now();
      progress(`${sent} of ${RECIPIENTS} send events counted after ${round((performance.now() - wentLive) / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The run is worthless unless every recipient got exactly one message: checked in ClickHouse and the ledger. */
async function checkExactlyOnce(env: TestEnv, pool: Pool, ws: string, emailId: string): Promise<void> {
  const [raw] = await env.clickhouse.rows<{ n: string; contacts: string; events: string }>(
    sql`SELECT count() AS n, uniqExact(contact_id) AS contacts, uniqExact(event_id) AS events
          FROM events_raw WHERE workspace_id = ${ws} AND event_type = 'send'`,
  );
  const [kpi] = await env.clickhouse.rows<{ sent: string }>(
    sql`SELECT uniqExactMerge(events) AS sent FROM kpi_email_daily
         WHERE workspace_id = ${ws} AND email_id = ${emailId} AND metric = 'send'`,
  );
  const { rows } = await pool.query<{ n: number; contacts: number; delivered: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT contact_id)::int AS contacts,
            count(*) FILTER (WHERE state = 'delivered' AND events_emitted)::int AS delivered
       FROM sender_deliveries WHERE workspace_id = $1`,
    [ws],
  );
  const ledger = rows[0];
  const figures = {
    clickhouse_send_events: Number(raw?.n),
    clickhouse_contacts: Number(raw?.contacts),
    clickhouse_event_ids: Number(raw?.events),
    kpi_sent: Number(kpi?.sent),
    ledger_rows: ledger?.n,
    ledger_contacts: ledger?.contacts,
    ledger_delivered: ledger?.delivered,
  };
  const wrong = Object.entries(figures).filter(([, value]) => value !== RECIPIENTS);
  if (wrong.length > 0)
    throw new Error(`not exactly ${RECIPIENTS} recipients sent once each: ${JSON.stringify(figures)}`);
}

async function campaign(env: TestEnv, pool: Pool, redis: PrivateRedis, email: Awaited<ReturnType<typeof benchEmail>>) {
  const { ws, emailId, listId } = await seedLiveEmail(pool, email);
  progress(`loading ${RECIPIENTS} contacts into a static segment`);
  let started = performance.now();
  const segment = await loadAudience(pool, ws);
  const loadSeconds = (performance.now() - started) / 1000;
  const services = await startServices(env, redis.url);
  const memory = createRedis(redis.url);
  const database = new DatabaseSizeSampler(pool);
  try {
    const atGoLive = { pg: await database.sample(), redis: (await redisMemory(memory)).used };
    const cpu = (): Record<string, number> =>
      Object.fromEntries(
        Object.entries(services).map(([name, child]) => [name, processTreeCpuSeconds(child.pid ?? 0)]),
      );
    const cpuAtGoLive = cpu();
    database.start();
    progress(`go-live: segment → email → end, ${RECIPIENTS} recipients`);
    started = performance.now();
    await new Workspace(pool, ws).liveJourney(
      {
        tiles: [
          { id: 'audience', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
          { id: 'mail', type: 'email', next: ['end'], config: { email_id: emailId } },
          { id: 'end', type: 'end' },
        ],
      },
      { list_id: listId },
    );
    const { firstSend } = await untilAllSent(env, ws, started);
    const seconds = (performance.now() - started) / 1000;
    const rss = Object.fromEntries(
      Object.entries(services).map(([name, child]) => [name, round(peakRss(child.pid) / MIB)]),
    );
    // CPU seconds each process spent on the campaign: steadier than wall time on a shared machine.
    const cpuSeconds = Object.fromEntries(
      Object.entries(cpu()).map(([name, total]) => [name, round(total - (cpuAtGoLive[name] ?? 0))]),
    );
    const pgPeak = await database.stop();
    const redisPeak = (await redisMemory(memory)).peak;
    progress(`campaign: ${round(seconds)} s, ${round(RECIPIENTS / seconds)} messages/s; checking exactly once`);
    await checkExactlyOnce(env, pool, ws, emailId);
    return { seconds, firstSend, loadSeconds, rss, cpuSeconds, atGoLive, pgPeak, redisPeak };
  } finally {
    await database.stop().catch(() => 0);
    memory.disconnect();
    for (const child of [services.scheduler, services.sender, services.aggregator]) await child.stop();
  }
}

async function main(): Promise<void> {
  const env = await createTestEnv('cairn_bench_campaign');
  // A private redis-server: its used_memory_peak is this run's queues alone, not the shared Redis's other users.
  const redis = await new PrivateRedis(REDIS_PORT).start();
  const pool = createPgPool(env.postgresUrl, 4);
  try {
    const email = await benchEmail(50);
    const run = await campaign(env, pool, redis, email);
    progress(`baseline: the send bench's measurement, ${MESSAGES} messages, in process`);
    const queueRedis = createRedis(redis.url, { forBullmq: true });
    const baseline = await measureSender(env, pool, queueRedis, email, `smtp://${SINK}`, {
      CAIRN_REDIS_URL: redis.url,
    });
    await queueRedis.quit();
    report({
      bench: 'campaign',
      value: RECIPIENTS / run.seconds,
      unit: 'messages/s',
      baseline: `the send bench: the sender alone in process, ${MESSAGES} queued requests, same email, same sink`,
      baseline_value: baseline,
      recipients: RECIPIENTS,
      wall_seconds: round(run.seconds),
      first_send_counted_s: round(run.firstSend),
      message_bytes: await messageSize(email),
      peak_rss_mib: run.rss,
      cpu_seconds: run.cpuSeconds,
      pg_bytes_at_go_live: run.atGoLive.pg,
      pg_bytes_peak: run.pgPeak,
      redis_bytes_at_go_live: run.atGoLive.redis,
      redis_used_memory_peak: run.redisPeak,
      audience_load_seconds: round(run.loadSeconds),
      baseline_messages: MESSAGES,
    });
  } finally {
    await pool.end();
    await redis.destroy();
    // ClickHouse 18.16 can take minutes to drop a database of Cairn's tables on a busy machine: the server goes on
    // with a DROP its client stopped waiting for, so a timeout here is reported, not a failed measurement.
    await env.cleanup().catch((error: unknown) => progress(`cleanup: ${(error as Error).message}`));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
