import { Pool } from 'pg';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import { BatchingProducer, committedOffsetTotal } from '../../lib/platform/kafka/kafka-client';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { startEngagementConsumer } from '../../services/scheduler/engagement.consumer';
import { TopicReader } from '../support/topic-reader';
import { createTestEnv, newId, testLogger, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/**
 * Issue 20 defect 8, for the consumers built on lib/platform/kafka/decoding-consumer.ts (the scheduler's engagement consumer
 * here; the engagement service's first opens and the sender's inputs share the code): an event PostgreSQL refuses
 * for its value no longer stalls the partition, and an outage still dead-letters nothing and commits nothing.
 */
const codec = new EventCodec();
let env: TestEnv;
let pool: Pool;
let producer: BatchingProducer;
const journeyId = newId();
const contact = newId();

beforeAll(async () => {
  env = await createTestEnv('cairn_sched_poison');
  pool = createPgPool(env.postgresUrl, 3);
  producer = await BatchingProducer.connect(env.kafka, { lingerMs: 1, maxBatch: 100 });
});

afterAll(async () => {
  await producer?.disconnect();
  await pool?.end();
  await env?.cleanup();
});

function click(linkId: string): CairnEvent {
  const data = {
    event_id: newId(),
    event_time: Date.now(),
    workspace_id: newId(),
    contact_id: contact,
    message_id: newId(),
    email_id: newId(),
    email_version: 1,
    journey_id: journeyId,
    tile_id: 'email-1',
    iteration: 0,
    machine: false,
    link_id: linkId,
    url: 'https://example.com/',
  };
  return { type: 'click', data } as unknown as CairnEvent;
}

const send = (events: CairnEvent[]) =>
  Promise.all(
    events.map((event) => producer.send({ topic: env.topics.emailEvents, key: contact, value: codec.encode(event) })),
  );
const start = (groupId: string, sink: Pool) =>
  startEngagementConsumer({
    kafka: env.kafka,
    groupId,
    topics: env.topics,
    codec,
    producer,
    pool: sink,
    log: testLogger('engagement-consumer'),
    fromBeginning: true,
    poisonAttempts: 2,
    onWoken: async () => undefined,
  });
const recorded = async (): Promise<string[]> =>
  (
    await pool.query<{ link_id: string }>(
      'SELECT link_id FROM journey_engagements WHERE journey_id = $1 ORDER BY link_id',
      [journeyId],
    )
  ).rows.map((r) => r.link_id);

it('records the good engagements around an event PostgreSQL refuses, and dead-letters that one with its reason', async () => {
  // A NUL in a text value: PostgreSQL refuses it (SQLSTATE 22021) however often it is sent.
  await send([click('a1'), click('a2'), click('bad\u0000link'), click('a3'), click('a4')]);
  const groupId = uniqueName('sched');
  const consumer = await start(groupId, pool);
  const dead = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
  try {
    expect(await waitFor(recorded, (links) => links.length >= 4, 60_000)).toEqual(['a1', 'a2', 'a3', 'a4']);
    const [letter] = await waitFor(
      () => dead.raw,
      (records) => records.length >= 1,
      30_000,
    );
    expect(letter?.headers).toMatchObject({
      'x-original-topic': env.topics.emailEvents,
      'x-original-offset': '2',
      'x-error-message': expect.stringContaining('0x00'),
    });
    await waitFor(
      () => committedOffsetTotal(env.kafka, groupId, [env.topics.emailEvents]),
      (total) => total === 5,
      30_000,
    );
  } finally {
    await dead.stop();
    await consumer.stop(0);
  }
}, 120_000);

it('keeps retrying through a PostgreSQL outage without dead-lettering or committing, then records the event', async () => {
  await send([click('b1')]);
  const groupId = uniqueName('sched');
  // Nothing listens on port 1: every query fails with ECONNREFUSED, as while PostgreSQL is down.
  const down = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
  const dead = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
  try {
    const outage = await start(groupId, down);
    // The outage is the scenario: it lasts a few seconds, longer than poisonAttempts' retries would.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await outage.stop(0);
    expect(await committedOffsetTotal(env.kafka, groupId, [env.topics.emailEvents])).toBe(0);
    expect(dead.raw.filter((record) => record.headers['x-original-offset'] === '5')).toEqual([]);
    const back = await start(groupId, pool);
    try {
      await waitFor(recorded, (links) => links.includes('b1'), 60_000);
      await waitFor(
        () => committedOffsetTotal(env.kafka, groupId, [env.topics.emailEvents]),
        (total) => total === 6,
        30_000,
      );
    } finally {
      await back.stop(0);
    }
  } finally {
    await dead.stop();
    await down.end();
  }
}, 120_000);
