// bench: journey engine, contacts through segment → splitter → wait → end vs the same rows moved by plain SQL; state bytes and click → true-path p99 with contacts waiting at a trigger
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { BatchingProducer } from '../lib/platform/kafka/kafka-client';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { createRedis } from '../lib/platform/redis/redis-connection';
import { buildScheduler } from '../services/scheduler/scheduler.app';
import { codec, emailEvent } from '../test/aggregator/aggregator-harness';
import { schedulerConfig, Workspace } from '../test/scheduler/scheduler-harness';
import { PrivateRedis } from '../test/support/private-redis';
import { createTestEnv, testLogger, type TestEnv } from '../test/support/test-env';
import { isQuick, percentile, progress, report, round } from './bench-support';

const CONTACTS = isQuick ? 100_000 : 1_000_000;
const CLICKS = isQuick ? 100 : 300;
/** --cap: both workspaces get a frequency cap (2 a day, 5 a week) no contact reaches: its cost, not its effect */
const CAP = process.argv.includes('--cap');
const CAP_RULES = JSON.stringify([
  { max_sends: 2, window_hours: 24 },
  { max_sends: 5, window_hours: 168 },
]);

async function benchWorkspace(pool: Pool): Promise<Workspace> {
  const ws = await new Workspace(pool).create();
  if (CAP) await pool.query('UPDATE workspaces SET frequency_caps = $2::jsonb WHERE id = $1', [ws.id, CAP_RULES]);
  return ws;
}
const REDIS_PORT = 16_390;

async function count(pool: Pool, journeyId: string, where: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM journey_contacts WHERE journey_id = $1 AND ${where}`,
    [journeyId],
  );
  return rows[0]?.n ?? 0;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The baseline: the same contacts moved through the same four positions by plain SQL on a table of the same shape. */
async function plainSql(pool: Pool, segmentId: string): Promise<number> {
  await pool.query('CREATE TABLE baseline_contacts (LIKE journey_contacts INCLUDING ALL)');
  const j = '00000000-0000-4000-8000-000000000001';
  const started = performance.now();
  await pool.query(
    `INSERT INTO baseline_contacts (journey_id, iteration, contact_id, tile_id, state) SELECT $1, 0, contact_id, 'seg', 'at' FROM segment_members WHERE segment_id = $2`,
    [j, segmentId],
  );
  await pool.query(`UPDATE baseline_contacts SET tile_id = 'split' WHERE journey_id = $1`, [j]);
  await pool.query(
    `UPDATE baseline_contacts SET tile_id = CASE WHEN hashtext(contact_id::text) % 2 = 0 THEN 'wait_a' ELSE 'wait_b' END, state = 'waiting', due_at = now() WHERE journey_id = $1`,
    [j],
  );
  await pool.query(
    `UPDATE baseline_contacts SET tile_id = 'end', state = 'done', due_at = NULL WHERE journey_id = $1`,
    [j],
  );
  return (performance.now() - started) / 1000;
}

async function stepThroughput(env: TestEnv, pool: Pool, redisUrl: string) {
  const ws = await benchWorkspace(pool);
  progress(`creating ${CONTACTS} contacts`);
  const contacts = await ws.contacts(CONTACTS);
  const segment = await ws.segment(contacts);
  await pool.query('VACUUM ANALYZE');
  const baselineSeconds = await plainSql(pool, segment);
  progress(`plain SQL: ${round(baselineSeconds)} s`);
  const scheduler = buildScheduler(
    schedulerConfig(env, { CAIRN_REDIS_URL: redisUrl, CAIRN_SCHEDULER_CONCURRENCY: '2' }),
    testLogger('scheduler'),
  );
  await scheduler.start();
  const started = performance.now();
  const past = new Date(Date.now() - 1000).toISOString();
  const journeyId = await ws.liveJourney({
    tiles: [
      { id: 'seg', type: 'segment', next: ['split'], config: { segment_ids: [segment] } },
      { id: 'split', type: 'splitter', next: ['wait_a', 'wait_b'], config: { percentages: [50, 50] } },
      { id: 'wait_a', type: 'scheduler', next: ['end'], config: { until: past } },
      { id: 'wait_b', type: 'scheduler', next: ['end'], config: { until: past } },
      { id: 'end', type: 'end' },
    ],
  });
  await until(async () => (await count(pool, journeyId, `state = 'done'`)) === CONTACTS, 900_000);
  const seconds = (performance.now() - started) / 1000;
  progress(`scheduler: ${round(seconds)} s to the end tile; draining the outbox (tile events to Kafka)`);
  await until(async () => (await pool.query('SELECT 1 FROM journey_outbox LIMIT 1')).rowCount === 0, 900_000);
  const drained = (performance.now() - started) / 1000;
  await scheduler.stop();
  return { seconds, baselineSeconds, drained };
}

async function waitingAtTrigger(env: TestEnv, pool: Pool, redisUrl: string) {
  const ws = await benchWorkspace(pool);
  const contacts = await ws.contacts(CONTACTS);
  const segment = await ws.segment(contacts);
  const email = await ws.email();
  const redis = createRedis(redisUrl);
  await redis.flushall();
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const pgBefore = await pool.query<{ b: string }>(
    `SELECT (pg_total_relation_size('journey_contacts') + pg_total_relation_size('journey_engagements'))::text AS b`,
  );
  const scheduler = buildScheduler(schedulerConfig(env, { CAIRN_REDIS_URL: redisUrl }), testLogger('scheduler'));
  await scheduler.start();
  const wentLive = performance.now();
  const journeyId = await ws.liveJourney({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
      { id: 'mail', type: 'email', next: ['trig'], config: { email_id: email } },
      {
        id: 'trig',
        type: 'trigger',
        next: ['yes', 'no'],
        config: { email_tile_id: 'mail', condition: 'clicked', timeout_days: 7 },
      },
      { id: 'yes', type: 'end' },
      { id: 'no', type: 'end' },
    ],
  });
  progress(`${CONTACTS} contacts on their way to the trigger${CAP ? ' (frequency cap configured)' : ''}`);
  await until(
    async () => (await count(pool, journeyId, `tile_id = 'trig' AND state = 'waiting'`)) === CONTACTS,
    1_800_000,
  );
  const emailTileSeconds = (performance.now() - wentLive) / 1000;
  await until(async () => (await pool.query('SELECT 1 FROM journey_outbox LIMIT 1')).rowCount === 0, 900_000);
  const pgAfter = await pool.query<{ b: string }>(
    `SELECT (pg_total_relation_size('journey_contacts') + pg_total_relation_size('journey_engagements'))::text AS b`,
  );
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  const sendQueueBytes = await queueBytes(redis, 'send');
  const pgBytes = Number(pgAfter.rows[0]?.b) - Number(pgBefore.rows[0]?.b);
  const redisBytes = memoryAfter - memoryBefore;
  progress(`clicks: ${CLICKS}, one every 50 ms`);
  const producer = await BatchingProducer.connect(env.kafka, { lingerMs: 0, maxBatch: 1 });
  const clicked = new Map<string, number>();
  const latencies: number[] = [];
  const pending = new Set<string>();
  const poller = setInterval(() => {
    const ids = [...pending];
    if (ids.length === 0) return;
    void pool
      .query<{ contact_id: string }>(
        `SELECT contact_id FROM journey_contacts WHERE journey_id = $1 AND iteration = 0 AND contact_id = ANY($2::uuid[]) AND tile_id = 'yes'`,
        [journeyId, ids],
      )
      .then(({ rows }) => {
        const now = performance.now();
        for (const { contact_id } of rows)
          if (pending.delete(contact_id)) latencies.push(now - (clicked.get(contact_id) ?? now));
      });
  }, 25);
  for (const contact_id of contacts.slice(0, CLICKS)) {
    const event = emailEvent('click', {
      workspace_id: ws.id,
      email_id: email,
      journey_id: journeyId,
      tile_id: 'mail',
      iteration: 0,
      contact_id,
      link_id: 'l',
      url: 'https://x.test',
    });
    clicked.set(contact_id, performance.now());
    pending.add(contact_id);
    await producer.send({ topic: env.topics.emailEvents, key: contact_id, value: codec.encode(event) });
    await new Promise((r) => setTimeout(r, 50));
  }
  await until(async () => pending.size === 0, 60_000);
  clearInterval(poller);
  await producer.disconnect();
  await scheduler.stop();
  redis.disconnect();
  latencies.sort((a, b) => a - b);
  return {
    pgBytes,
    redisBytes,
    sendQueueBytes,
    emailTileSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Bytes held by the send queue's keys (the send requests waiting for the sender, not journey state). */
async function queueBytes(redis: ReturnType<typeof createRedis>, queue: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*:${queue}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) total += Number((await redis.memory('USAGE', key)) ?? 0);
  } while (cursor !== '0');
  return total;
}

async function main(): Promise<void> {
  const env = await createTestEnv('cairn_bench_journey');
  const redis = await new PrivateRedis(REDIS_PORT).start();
  const pool = createPgPool(env.postgresUrl, 4);
  try {
    // Waiting state first, on empty tables, so its size is not hidden by space the throughput run freed.
    const waiting = process.argv.includes('--step-only')
      ? { pgBytes: 0, redisBytes: 0, sendQueueBytes: 0, emailTileSeconds: 0, p50: 0, p99: 0 }
      : await waitingAtTrigger(env, pool, redis.url);
    const step = await stepThroughput(env, pool, redis.url);
    report({
      bench: 'journey-step',
      value: CONTACTS / step.seconds,
      unit: 'contacts/s',
      baseline: 'the same rows moved through the same positions by plain SQL UPDATEs',
      baseline_value: CONTACTS / step.baselineSeconds,
      contacts: CONTACTS,
      seconds_to_end: round(step.seconds),
      baseline_seconds: round(step.baselineSeconds),
      seconds_until_tile_events_relayed: round(step.drained),
      waiting_contacts: CONTACTS,
      frequency_cap: CAP,
      seconds_through_email_tile_to_trigger: round(waiting.emailTileSeconds),
      pg_bytes_per_waiting_contact: round(waiting.pgBytes / CONTACTS),
      redis_bytes_per_waiting_contact: round(waiting.redisBytes / CONTACTS),
      redis_send_queue_bytes_per_contact: round(waiting.sendQueueBytes / CONTACTS),
      click_to_true_path_p50_ms: round(waiting.p50),
      click_to_true_path_p99_ms: round(waiting.p99),
    });
  } finally {
    await pool.end();
    await redis.destroy();
    await env.cleanup();
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
