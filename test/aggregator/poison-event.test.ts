import { raw } from '../../lib/platform/clickhouse/sql';
import { BatchingProducer, committedOffsetTotal } from '../../lib/platform/kafka/kafka-client';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { buildAggregator } from '../../services/aggregator/aggregator.app';
import { TopicReader } from '../support/topic-reader';
import { createTestEnv, newId, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { codec, emailEvent, rawCounts, startAggregator } from './aggregator-harness';

/**
 * Issue 20 defect 8: a batch event with event_time -300,000,000,000,000 reached Kafka, the aggregator's insert
 * failed on it and was retried forever, and nothing behind it on its partition was counted. Produced here straight
 * to Kafka (no ingest to refuse it) between good events of one contact, so all share one partition.
 */
describe('aggregator and a poison event', () => {
  let env: TestEnv;
  let aggregator: ReturnType<typeof buildAggregator>;
  const groupId = uniqueName('agg');

  beforeAll(async () => {
    env = await createTestEnv('cairn_agg_poison');
    aggregator = await startAggregator(env, groupId);
  });

  afterAll(async () => {
    await aggregator?.stop();
    await env?.cleanup();
  });

  it('counts the good events behind it and dead-letters it with its origin and reason', async () => {
    const ws = uniqueName('ws');
    const contact = newId();
    const good = (n: number): CairnEvent[] =>
      Array.from({ length: n }, () =>
        emailEvent('open', { workspace_id: ws, contact_id: contact, message_id: newId() }),
      );
    const poison = emailEvent('open', { workspace_id: ws, contact_id: contact, event_time: -300_000_000_000_000 });
    const producer = await BatchingProducer.connect(env.kafka, { lingerMs: 1, maxBatch: 100 });
    const sendAll = (values: Buffer[]) =>
      Promise.all(values.map((value) => producer.send({ topic: env.topics.emailEvents, key: contact, value })));
    try {
      await sendAll(good(50).map((event) => codec.encode(event)));
      // encodeOwn writes what avsc accepts (any long): the bytes a client that bypassed ingest would produce
      await sendAll([codec.encodeOwn(poison)]);
      await sendAll(good(50).map((event) => codec.encode(event)));
    } finally {
      await producer.disconnect();
    }

    const counts = await waitFor(
      () => rawCounts(env.clickhouse),
      (c) => c.distinct >= 100,
      60_000,
    );
    expect(counts).toEqual({ rows: 100, distinct: 100 });
    const dead = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
    try {
      const [letter] = await waitFor(
        () => dead.raw,
        (records) => records.length >= 1,
        30_000,
      );
      expect(letter?.headers).toMatchObject({
        'x-original-topic': env.topics.emailEvents,
        'x-original-offset': '50',
        'x-error-code': 'EVENT_INVALID',
        'x-error-message': expect.stringContaining('event_time -300000000000000 is outside'),
      });
      expect(letter?.value.equals(codec.encodeOwn(poison))).toBe(true);
    } finally {
      await dead.stop();
    }
    // The partition moved on: every offset, the poison's included, is committed.
    await waitFor(
      () => committedOffsetTotal(env.kafka, groupId, [env.topics.emailEvents]),
      (total) => total === 101,
      30_000,
    );
    const recorded = await waitFor(
      () =>
        env.clickhouse.rows<{ original_offset: string; error_code: string }>(
          raw.trusted('SELECT original_offset, error_code FROM dead_letters'),
        ),
      (rows) => rows.length >= 1,
      30_000,
    );
    expect(recorded.map((row) => [String(row.original_offset), row.error_code])).toEqual([['50', 'EVENT_INVALID']]);
  }, 120_000);
});
