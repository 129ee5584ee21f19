import { randomUUID } from 'node:crypto';
import { startBatchConsumer, type BatchConsumer, type MessageBatch } from '../../lib/platform/kafka/batch-consumer';
import { BatchingProducer, deleteTopics, ensureTopics } from '../../lib/platform/kafka/kafka-client';
import { topicsFor } from '../../lib/platform/kafka/topics';
import { createTestEnv, testLogger, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const TOTAL = 24_000;

/**
 * lib/platform/kafka/stream-per-generation.ts: after a group join a member hands over each partition's messages in
 * offset order from where the group committed, and none of the old assignment's (buffered or still being fetched).
 * A backlogged member (its stream paused with messages buffered) sees the group change under it three times; the
 * handler records, per member and join, each partition's batches: every batch must follow the previous one of its
 * partition without a gap or a step back, and the group must hand over every message.
 */
describe('batch consumer across rebalances', () => {
  let env: TestEnv;
  let producer: BatchingProducer;
  const topics = topicsFor(`${randomUUID().slice(0, 8)}_rebalance`);
  const members: BatchConsumer[] = [];

  beforeAll(async () => {
    env = await createTestEnv('cairn_rebalance');
    producer = await BatchingProducer.connect(env.kafka);
    await ensureTopics(env.kafka, topics);
  });

  afterAll(async () => {
    for (const member of members) await member.stop(0);
    await producer.disconnect();
    await deleteTopics(env.kafka, Object.values(topics));
    await env.cleanup();
  });

  it('hands over each partition in order from the committed offset after every join, and loses nothing', async () => {
    const topic = topics.journeyEvents;
    await producer.sendMany(
      Array.from({ length: TOTAL }, (_, i) => ({ topic, key: randomUUID(), value: Buffer.from(String(i)) })),
    );
    const handled = new Set<string>();
    const violations: string[] = [];
    const groupId = `rebalance-${randomUUID()}`;

    async function member(name: string): Promise<BatchConsumer> {
      let joins = 0;
      const last = new Map<number, { join: number; offset: bigint }>();
      const check = (batch: MessageBatch): void => {
        const previous = last.get(batch.partition);
        const first = batch.messages[0]?.offset ?? -1n;
        if (previous && previous.join === joins && first !== previous.offset + 1n)
          violations.push(`${name} p${batch.partition} join ${joins}: ${previous.offset} then ${first}`);
        last.set(batch.partition, { join: joins, offset: batch.messages[batch.messages.length - 1]?.offset ?? -1n });
      };
      const started = await startBatchConsumer({
        kafka: env.kafka,
        groupId,
        topics: [topic],
        log: testLogger(),
        sessionTimeoutMs: 6_000,
        // A small backlog in hand: the stream is paused most of the time, with messages buffered in it.
        maxInFlight: 200,
        maxBatch: 20,
        onRebalance: () => joins++,
        onBatch: async (batch) => {
          check(batch);
          for (const message of batch.messages) handled.add(String(message.value));
          await new Promise((resolve) => setTimeout(resolve, 20));
          batch.commit();
        },
      });
      members.push(started);
      return started;
    }

    const grown = (by: number): Promise<number> => {
      const target = handled.size + by;
      return waitFor(
        () => handled.size,
        (n) => n >= Math.min(target, TOTAL),
        120_000,
        20,
      );
    };
    await member('a');
    await grown(2_000);
    const b = await member('b');
    await grown(2_000);
    await b.stop(0);
    await grown(2_000);
    await member('c');
    await waitFor(
      () => handled.size,
      (n) => n === TOTAL,
      180_000,
      100,
    );
    expect(violations).toEqual([]);
  }, 300_000);
});
