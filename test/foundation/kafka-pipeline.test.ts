import { randomUUID } from 'node:crypto';
import { startBatchConsumer, type BatchConsumer } from '../../lib/platform/kafka/batch-consumer';
import { sql } from '../../lib/platform/clickhouse/sql';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { toRawRow } from '../../services/aggregator/event-row';
import { startDecodingConsumer } from '../../lib/platform/kafka/decoding-consumer';
import { BatchingProducer, deleteTopics, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import { topicForEvent } from '../../lib/contracts/events/event-topics';
import { TopicReader } from '../support/topic-reader';
import { createTestEnv, testLogger, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const codec = new EventCodec();

function openEvent(contactId: string): CairnEvent {
  return {
    type: 'open',
    data: {
      event_id: randomUUID(),
      event_time: Date.now(),
      workspace_id: 'w-pipeline',
      contact_id: contactId,
      message_id: randomUUID(),
      email_id: 'email-1',
      email_version: 1,
    },
  };
}

describe('Kafka → ClickHouse plumbing', () => {
  let env: TestEnv;
  let producer: BatchingProducer;
  let consumer: BatchConsumer | undefined;

  beforeAll(async () => {
    env = await createTestEnv('cairn_pipe');
    producer = await BatchingProducer.connect(env.kafka);
  });

  afterAll(async () => {
    await consumer?.stop(0);
    await producer.disconnect();
    await env.cleanup();
  });

  it('delivers Avro events keyed by contact, dead-letters a poison message and carries on', async () => {
    const contact = randomUUID();
    const before = [openEvent(contact), openEvent(contact)];
    const after = [openEvent(contact)];
    const topic = topicForEvent(env.topics, 'open');
    for (const event of before) await producer.send({ topic, key: contact, value: codec.encode(event) });
    await producer.send({ topic, key: contact, value: Buffer.from('not avro at all') });
    for (const event of after) await producer.send({ topic, key: contact, value: codec.encode(event) });

    consumer = await startDecodingConsumer({
      kafka: env.kafka,
      groupId: `g-${env.topicPrefix}`,
      topics: [env.topics.emailEvents],
      deadLetterTopic: env.topics.deadLetter,
      decode: (bytes) => codec.decode(bytes),
      producer,
      log: testLogger(),
      onBatch: async (events) =>
        env.clickhouse.insert(
          'events_raw',
          events.map((e) => toRawRow(e.value)),
        ),
    });

    const ids = [...before, ...after].map((event) => event.data.event_id);
    const rows = await waitFor(
      () =>
        env.clickhouse.rows<{ event_id: string; contact_id: string }>(
          sql`SELECT event_id, contact_id FROM events_raw ORDER BY event_time_ms`,
        ),
      (found) => found.length >= ids.length,
    );
    expect(rows.map((row) => row.event_id).sort()).toEqual([...ids].sort());
    expect(new Set(rows.map((row) => row.contact_id))).toEqual(new Set([contact]));

    const dead = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
    await waitFor(
      () => dead.raw.length,
      (n) => n >= 1,
    );
    await dead.stop();
    const seen: Record<string, string>[] = dead.raw.map((record) => ({
      ...record.headers,
      value: record.value.toString(),
    }));
    expect(seen[0]).toMatchObject({
      'x-original-topic': env.topics.emailEvents,
      'x-error-code': 'EVENT_BAD_MAGIC',
      value: 'not avro at all',
    });
    expect(Number(seen[0]?.['x-original-offset'])).toBeGreaterThanOrEqual(2);
  });

  it('accepts events days old or minutes ahead: the record carries the produce time, the body the event time', async () => {
    // Kafka 4 refuses records whose timestamp is far from the broker's clock; an event's own time can be anything.
    const contact = randomUUID();
    const now = Date.now();
    const at = (eventTime: number): CairnEvent => {
      const event = openEvent(contact);
      event.data.event_time = eventTime;
      return event;
    };
    const old = at(now - 10 * 86_400_000);
    const ahead = at(now + 10 * 60_000);
    const topic = topicForEvent(env.topics, 'open');
    await Promise.all([old, ahead].map((event) => producer.send({ topic, key: contact, value: codec.encode(event) })));
    const reader = await new TopicReader(env.kafka, [topic]).start();
    try {
      const records = await waitFor(
        () => reader.raw.filter((record) => record.key === contact),
        (found) => found.length >= 2,
      );
      for (const record of records) expect(Math.abs(record.timestamp - now)).toBeLessThan(60_000);
      const times = records.map((record) => codec.decode(record.value).data.event_time).sort();
      expect(times).toEqual([old.data.event_time, ahead.data.event_time].sort());
    } finally {
      await reader.stop();
    }
  });

  it('hands a partition everything that arrived while its previous batch was handled over as one batch', async () => {
    // A slow handler (a ClickHouse insert) and events trickling in one fetch at a time: without coalescing, each
    // fetch became a batch of its own and a partition moved one message per insert.
    const topic = env.topics.journeyEvents;
    const key = randomUUID();
    const batches: number[] = [];
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = await startBatchConsumer({
      kafka: env.kafka,
      groupId: `slow-${env.topicPrefix}`,
      topics: [topic],
      log: testLogger(),
      onBatch: async (batch) => {
        batches.push(batch.messages.length);
        if (batches.length === 1) await held;
        batch.commit();
      },
    });
    try {
      await producer.send({ topic, key, value: Buffer.from('first') });
      await waitFor(
        () => batches.length,
        (n) => n === 1,
      );
      for (let i = 0; i < 20; i++) await producer.send({ topic, key, value: Buffer.from(`later ${i}`) });
      await waitFor(
        () => slow.waiting,
        (n) => n === 20,
      );
      release();
      await waitFor(
        () => batches.reduce((sum, n) => sum + n, 0),
        (n) => n === 21,
      );
      expect(batches).toEqual([1, 20]);
    } finally {
      release();
      await slow.stop(0);
    }
  });

  it('creates topics from several processes starting at once: those that lose the race carry on', async () => {
    const topics = topicsFor(`${env.topicPrefix}_race`);
    const outcomes = await Promise.allSettled([
      ensureTopics(env.kafka, topics),
      ensureTopics(env.kafka, topics),
      ensureTopics(env.kafka, topics),
    ]);
    await ensureTopics(env.kafka, topics).finally(() => deleteTopics(env.kafka, Object.values(topics)));
    expect(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error).message : 'ok')),
    ).toEqual(['ok', 'ok', 'ok']);
  });
});
