import type { Pool } from 'pg';
import { createKafka, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { privateKafka } from '../support/private-stack';
import { createTestEnv, testLogger, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import {
  BROWSER_UA,
  httpRequest,
  ingestConfig,
  loadGenerator,
  seed,
  startIngest,
  tokenFor,
  TopicReader,
} from './ingest-support';

/**
 * No accepted event is lost (docs/ingest.md#kafka-the-spool-and-nothing-answered-is-lost): the private broker (slot 0,
 * never the shared one) is stopped while a load generator hits the pixel and the redirect, then restarted. Every
 * answered request's event must be in Kafka afterwards, and the spool must be empty.
 */
jest.setTimeout(300_000);

const broker = privateKafka(0);
let env: TestEnv;
let pool: Pool;

beforeAll(async () => {
  await broker.start();
  env = await createTestEnv('cairn_ingest_fault');
  pool = createPgPool(env.postgresUrl, 2);
});

afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
  await broker.stop();
});

/** Concurrent clients that keep hitting /o and /c with fresh tokens; remembers which requests were answered. */
function hits(baseUrl: string, s: Awaited<ReturnType<typeof seed>>, concurrency = 8) {
  return loadGenerator(async (agent, worker, n) => {
    const click = (worker + n) % 2 === 0;
    const { token, messageId } = tokenFor(s, click ? { linkId: s.links.safe } : {});
    const res = await httpRequest(baseUrl, {
      url: click ? `/c/${token}` : `/o/${token}.gif`,
      headers: { 'user-agent': BROWSER_UA },
      agent,
    });
    return res.statusCode === (click ? 302 : 200) ? [messageId] : [];
  }, concurrency);
}

it('loses no answered open or click while the broker is down, and drains the spool afterwards', async () => {
  const brokers = broker.address;
  const kafka = createKafka({ clientId: 'fault-test', brokers: [brokers], log: testLogger('kafka') });
  await ensureTopics(kafka, env.topics);
  const s = await seed(pool);
  const ingest = await startIngest(ingestConfig(env, { CAIRN_KAFKA_BROKERS: brokers }));
  const ready = async () =>
    (await httpRequest(ingest.url(), { url: '/readyz' })).json() as { status: string; spool_depth: number };
  const load = hits(ingest.url(), s);
  try {
    await waitFor(
      () => load.answered.length,
      (n) => n >= 300,
      30_000,
    );
    await broker.stop();
    const whileDown = load.answered.length;
    await waitFor(ready, (r) => r.status === 'degraded' && r.spool_depth > 0, 60_000);
    await waitFor(
      () => load.answered.length,
      (n) => n >= whileDown + 500,
      60_000,
    );
    await broker.start();
    await waitFor(
      () => load.answered.length,
      (n) => n >= whileDown + 800,
      60_000,
    );
  } finally {
    await load.stop();
  }
  const drained = await waitFor(ready, (r) => r.status === 'ok' && r.spool_depth === 0, 120_000);
  expect(drained.spool_depth).toBe(0);
  const metrics = (await httpRequest(ingest.metricsUrl(), { url: '/metrics' })).body;
  expect(metrics).toMatch(/cairn_ingest_spool_replayed_total [1-9]/);
  await ingest.cleanup();

  const reader = await new TopicReader(kafka, [env.topics.emailEvents]).start();
  try {
    const expected = new Set(load.answered);
    const seen = await waitFor(
      () => new Set(reader.events.map((e) => ('message_id' in e.data ? e.data.message_id : ''))),
      (ids) => [...expected].every((id) => ids.has(id)),
      60_000,
    );
    expect([...expected].filter((id) => !seen.has(id))).toEqual([]);
  } finally {
    await reader.stop();
  }
});

it('replays, after a restart, the spool a stopped process left behind while Kafka was down', async () => {
  const kafka = createKafka({ clientId: 'fault-test-restart', brokers: [broker.address], log: testLogger('kafka') });
  const s = await seed(pool);
  const config = ingestConfig(env, { CAIRN_KAFKA_BROKERS: broker.address });
  const first = await startIngest(config);
  await broker.stop();
  const answered: string[] = [];
  for (let i = 0; i < 200; i++) {
    const { token, messageId } = tokenFor(s);
    if (
      (await httpRequest(first.url(), { url: `/o/${token}.gif`, headers: { 'user-agent': BROWSER_UA } })).statusCode ===
      200
    )
      answered.push(messageId);
  }
  const spooled = async () => (await httpRequest(first.url(), { url: '/readyz' })).json() as { spool_depth: number };
  await waitFor(spooled, (r) => r.spool_depth === answered.length, 60_000);
  await first.stop(); // the spool directory stays: the next process must pick it up

  await broker.start();
  const second = await startIngest(config);
  try {
    const ready = async () =>
      (await httpRequest(second.url(), { url: '/readyz' })).json() as { status: string; spool_depth: number };
    await waitFor(ready, (r) => r.status === 'ok' && r.spool_depth === 0, 120_000);
  } finally {
    await second.cleanup();
  }
  const reader = await new TopicReader(kafka, [env.topics.emailEvents]).start();
  try {
    const ids = await waitFor(
      () => new Set(reader.events.map((e) => ('message_id' in e.data ? e.data.message_id : ''))),
      (seen) => answered.every((id) => seen.has(id)),
      60_000,
    );
    expect(answered.filter((id) => !ids.has(id))).toEqual([]);
    expect(answered).toHaveLength(200);
  } finally {
    await reader.stop();
  }
});
