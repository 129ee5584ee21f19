import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { WorkerProducer } from '../../services/ingest/kafka-worker-producer';
import { TopicReader } from './ingest-support';

let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_worker');
});

afterAll(async () => {
  await env?.cleanup();
});

it('sends through the worker thread, and replaces a worker that died', async () => {
  const batches: number[] = [];
  const producer = new WorkerProducer(
    { brokers: [...env.settings.kafkaBrokers], lingerMs: 5, maxBatch: 500, logLevel: 'silent' },
    { batchSent: (size) => batches.push(size) },
  );
  const reader = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
  const message = (key: string) => ({ topic: env.topics.deadLetter, key, value: Buffer.from(`value-${key}`) });
  try {
    await producer.connect();
    const before = newId();
    await producer.send(message(before));
    await producer.crashWorkerForTest();
    const after = newId();
    // The replacement worker connects itself; until then sends fail (the sink spools and replays them).
    await waitFor(
      () =>
        producer.send(message(after)).then(
          () => true,
          () => false,
        ),
      (sent) => sent,
      20_000,
    );
    await producer.flush();
    await waitFor(
      () => reader.raw.map((m) => m.key),
      (keys) => keys.includes(before) && keys.includes(after),
    );
    await waitFor(
      () => batches.length,
      (n) => n >= 2,
    );
    expect(reader.raw.find((m) => m.key === after)?.value.toString()).toBe(`value-${after}`);
  } finally {
    await producer.disconnect();
    await reader.stop();
  }
});
