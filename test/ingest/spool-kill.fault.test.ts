import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { baseConfig, createTestEnv, newId, type TestEnv } from '../support/test-env';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { waitFor } from '../support/wait-for';
import { httpRequest, loadGenerator, seed, type Seeded, TopicReader, TRACKING_KEYS } from './ingest-support';
import { metricValue, probe } from './ingest-process';

/**
 * No accepted event is lost (docs/ingest.md#kafka-the-spool-and-nothing-answered-is-lost), for the durable spool (issue
 * 20 defect 16): a real ingest process is SIGKILLed while it appends every event to its spool (Kafka unreachable), then
 * again while it replays the spool to Kafka, then restarted on the same directory. Every event whose POST was answered
 * 200 must reach Kafka.
 */
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
let env: TestEnv;
let pool: Pool;
let s: Seeded;
let apiKey: string;

beforeAll(async () => {
  env = await createTestEnv('cairn_spool_kill');
  pool = createPgPool(env.postgresUrl, 2);
  s = await seed(pool);
  apiKey = (await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['write'] })).key;
});

afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** node with tsx's loader (not the tsx launcher), so SIGKILL hits the process that writes the spool. */
async function startIngest(
  environment: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; metrics: string }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services/ingest/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...environment,
      CAIRN_INGEST_PORT: String(port),
      CAIRN_INGEST_METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    () => probe(`${url}/healthz`),
    (status) => status === 200 || exited(child),
    60_000,
    200,
  );
  if (exited(child)) throw new Error(`ingest exited with ${child.exitCode ?? child.signalCode}`);
  return { child, url, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

function kill(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}

/**
 * Clients posting batches of opens; remembers the events of every batch answered 200, which ingest answers only
 * once each event is durable (acknowledged by Kafka or fsynced to the spool).
 */
function batches(baseUrl: string) {
  return loadGenerator(async (agent) => {
    const ids = Array.from({ length: 5 }, () => newId());
    const payload = ids
      .map((message_id) =>
        JSON.stringify({
          type: 'open',
          data: { contact_id: s.contactId, message_id, email_id: s.emailId, email_version: 1, machine: false },
        }),
      )
      .join('\n');
    const headers = { 'content-type': 'application/x-ndjson', authorization: `Bearer ${apiKey}` };
    const res = await httpRequest(baseUrl, { method: 'POST', url: '/v1/events', payload, headers, agent }).catch(
      () => null,
    );
    if (!res) await new Promise((resolve) => setTimeout(resolve, 20)); // the process is gone
    return res?.statusCode === 200 ? ids : [];
  }, 6);
}

it('replays every acknowledged event after a SIGKILL mid-append and another mid-replay', async () => {
  const spoolDir = mkdtempSync(join(tmpdir(), 'cairn-spool-kill-'));
  const common = {
    CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
    CAIRN_TOPIC_PREFIX: env.topicPrefix,
    CAIRN_POSTGRES_URL: env.postgresUrl,
    CAIRN_INGEST_SPOOL_DIR: spoolDir,
    CAIRN_INGEST_ACCESS_LOG: 'false',
    // small replay chunks: many position commits, so the second kill lands between two of them
    CAIRN_INGEST_MAX_BATCH: '50',
    CAIRN_LOG_LEVEL: process.env.CAIRN_TEST_LOG ?? 'error',
  };
  const kafka = { CAIRN_KAFKA_BROKERS: baseConfig.kafkaBrokers.join(',') };
  const processes: ChildProcess[] = [];
  try {
    // 1. No Kafka (nothing listens on port 1) and no sends in flight allowed: every event is appended to the
    //    spool and fsynced before its batch is answered.
    const first = await startIngest({ ...common, CAIRN_KAFKA_BROKERS: '127.0.0.1:1', CAIRN_INGEST_MAX_IN_FLIGHT: '0' });
    processes.push(first.child);
    const load = batches(first.url);
    await waitFor(
      () => load.answered.length,
      (n) => n >= 1_500,
      120_000,
      20,
    );
    await kill(first.child); // appends are in flight: the last frame may be torn
    await load.stop();
    const answered = [...load.answered];

    // 2. Kafka is there: the spool replays; killed once part of it has been sent and its position committed.
    const second = await startIngest({ ...common, ...kafka });
    processes.push(second.child);
    await waitFor(
      async () =>
        metricValue((await httpRequest(second.metrics, { url: '/metrics' })).body, 'cairn_ingest_spool_replayed_total'),
      (n) => n >= 200,
      60_000,
      20,
    );
    await kill(second.child);

    // 3. Restarted on the same directory, it drains what is left.
    const third = await startIngest({ ...common, ...kafka });
    processes.push(third.child);
    const ready = async () =>
      (await httpRequest(third.url, { url: '/readyz' })).json() as { status: string; spool_depth: number };
    await waitFor(ready, (r) => r.status === 'ok' && r.spool_depth === 0, 120_000);
    await kill(third.child);

    const reader = await new TopicReader(env.kafka, [env.topics.emailEvents]).start();
    try {
      const seen = await waitFor(
        () => new Set(reader.events.map((e) => ('message_id' in e.data ? e.data.message_id : ''))),
        (ids) => answered.every((id) => ids.has(id)),
        60_000,
      );
      expect(answered.filter((id) => !seen.has(id))).toEqual([]);
      expect(answered.length).toBeGreaterThanOrEqual(1_500);
    } finally {
      await reader.stop();
    }
  } finally {
    await Promise.all(processes.map(kill));
    rmSync(spoolDir, { recursive: true, force: true });
  }
});
