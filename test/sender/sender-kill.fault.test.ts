import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { probe } from '../ingest/ingest-process';
import { RecordingSmtp } from '../support/recording-smtp';
import { createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import {
  collectEvents,
  enqueue,
  seedContacts,
  seedWorkspace,
  sendRequest,
  senderQueueFor,
  TRACKING_KEYS,
} from './sender-kit';

const ROOT = join(__dirname, '..', '..');
const RECIPIENTS = Number(process.env.CAIRN_FAULT_RECIPIENTS ?? 20_000);
const DROP_EVERY = 2_500;
const CONNECTIONS = 8;

/** A sender process (node with tsx's loader, so SIGKILL hits the process that holds the SMTP connections). */
function startSender(env: Record<string, string>, healthPort: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/sender/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, CAIRN_SENDER_HEALTH_PORT: String(healthPort) },
    stdio: ['ignore', openSync(join(tmpdir(), `cairn-sender-fault-${healthPort}.log`), 'w'), 'inherit'],
  });
}

async function healthy(port: number): Promise<void> {
  await waitFor(
    () => probe(`http://127.0.0.1:${port}/healthz`),
    (status) => status === 200,
    60_000,
    200,
  );
}

function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

let env: TestEnv;
let pool: Pool;

beforeAll(async () => {
  env = await createTestEnv('cairn_sender_fault');
  pool = createPgPool(env.postgresUrl, 4);
});

afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
});

it(`sends ${RECIPIENTS} recipients at most once across two SIGKILLs, two replicas and a connection drop every ${DROP_EVERY}`, async () => {
  const smtp = new RecordingSmtp();
  smtp.dropEvery = DROP_EVERY;
  const port = await smtp.listen();
  const redis = createRedis(env.settings.redisUrl, { forBullmq: true });
  const prefix = uniqueName('fault');
  const queue = senderQueueFor(redis, prefix);
  const collected = await collectEvents(env);
  const children: ChildProcess[] = [];
  try {
    const seeded = await seedWorkspace(pool);
    const contacts = await seedContacts(pool, seeded, RECIPIENTS);
    const requests = contacts.map((c) => sendRequest(seeded, c.id));
    const senderEnv = {
      CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
      CAIRN_SENDER_SMTP_URL: `smtp://127.0.0.1:${port}`,
      CAIRN_SENDER_SMTP_CONNECTIONS: String(CONNECTIONS),
      CAIRN_SENDER_SMTP_TIMEOUT_MS: '5000',
      CAIRN_QUEUE_PREFIX: prefix,
      CAIRN_SENDER_GROUP_ID: uniqueName('fault'),
      CAIRN_SENDER_STALLED_MS: '3000',
      CAIRN_SENDER_ATTEMPT_LEASE_MS: '15000',
      CAIRN_SENDER_SMTP_FINAL_TIMEOUT_MS: '10000',
      CAIRN_SENDER_SWEEP_MS: '1000',
      CAIRN_SENDER_METRICS_PORT: '-1',
      CAIRN_KAFKA_BROKERS: env.settings.kafkaBrokers.join(','),
      CAIRN_TOPIC_PREFIX: env.topicPrefix,
      CAIRN_POSTGRES_URL: env.postgresUrl,
      CAIRN_LOG_LEVEL: process.env.CAIRN_TEST_LOG ?? 'warn',
    };
    await enqueue(queue, requests);
    const first = startSender(senderEnv, 18_591);
    children.push(first);
    await waitFor(
      () => smtp.received.length,
      (n) => n >= RECIPIENTS * 0.25,
      240_000,
      20,
    );
    await kill(first);
    const second = startSender(senderEnv, 18_592);
    children.push(second);
    await waitFor(
      () => smtp.received.length,
      (n) => n >= RECIPIENTS * 0.55,
      240_000,
      20,
    );
    await kill(second);
    // the rest with two replicas at once
    children.push(startSender(senderEnv, 18_593), startSender(senderEnv, 18_594));
    await Promise.all([healthy(18_593), healthy(18_594)]);
    await waitFor(
      () => smtp.received.length,
      (n) => n >= RECIPIENTS * 0.6,
      240_000,
      50,
    );

    const settled = () =>
      pool.query<{ state: string; n: string }>(
        'SELECT state, count(*) AS n FROM sender_deliveries WHERE outcome IS NOT NULL AND events_emitted GROUP BY state',
      );
    const final = await waitFor(
      settled,
      (r) => r.rows.reduce((sum, row) => sum + Number(row.n), 0) === RECIPIENTS,
      300_000,
      500,
    );
    const states = Object.fromEntries(final.rows.map((row) => [row.state, Number(row.n)]));
    const unknown = states.outcome_unknown ?? 0;

    // the sink received no recipient twice
    const counts = new Map<string, number>();
    for (const message of smtp.received) for (const to of message.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    // every recipient not counted outcome_unknown arrived exactly once
    const { rows } = await pool.query<{ contact_id: string; state: string }>(
      'SELECT contact_id, state FROM sender_deliveries',
    );
    const emailOf = new Map(contacts.map((c) => [c.id, c.email]));
    const missing = rows.filter(
      (r) => r.state !== 'outcome_unknown' && counts.get(emailOf.get(r.contact_id) ?? '') !== 1,
    );
    expect(missing).toEqual([]);
    expect(states.delivered).toBe(RECIPIENTS - unknown);
    // unknowns: at most the messages on the wire at the kills (one per connection) and at the drops (one each)
    const bound = 2 * CONNECTIONS + smtp.dropped;
    process.stderr.write(
      `[fault] ${RECIPIENTS} recipients: ${states.delivered} delivered, ${unknown} outcome_unknown (bound ${bound}: 2 kills x ${CONNECTIONS} connections + ${smtp.dropped} drops)\n`,
    );
    expect(unknown).toBeLessThanOrEqual(bound);
    expect(smtp.dropped).toBeGreaterThanOrEqual(Math.floor(RECIPIENTS / DROP_EVERY) - 1);

    // and the results count each message once: one send per delivered, one sending_failed per unknown
    const byType = await waitFor(
      () => {
        const ids = new Map<string, Set<string>>();
        for (const e of collected.events) ids.set(e.type, (ids.get(e.type) ?? new Set()).add(e.data.event_id));
        return { send: ids.get('send')?.size ?? 0, failed: ids.get('sending_failed')?.size ?? 0 };
      },
      (c) => c.send === states.delivered && c.failed === unknown,
      60_000,
      500,
    );
    expect(byType).toEqual({ send: states.delivered, failed: unknown });
  } finally {
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map(kill));
    await collected.stop();
    await queue.close();
    await redis.quit();
    await smtp.close();
  }
}, 600_000);
