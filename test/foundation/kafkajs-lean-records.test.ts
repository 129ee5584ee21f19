import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CompressionTypes, type Message } from 'kafkajs';
import { createTestEnv, baseConfig, type TestEnv } from '../support/test-env';

const ROOT = join(__dirname, '..', '..');

interface Dump {
  lean: boolean;
  counts: { lean: number; original: number };
  messages: { partition: number; offset: string; timestamp: string; headers: Record<string, unknown>; key: unknown; value: unknown }[];
}

/** Consumes the topic in a fresh process (kafkajs binds its record decoder once per process). */
async function dump(topic: string, mode: 'lean' | 'original', count: number): Promise<Dump> {
  const { stdout } = await promisify(execFile)(
    join(ROOT, 'node_modules/.bin/tsx'),
    ['test/support/dump-topic.ts', topic, mode, String(count), baseConfig.kafkaBrokers.join(',')],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 50_000 },
  );
  const parsed = JSON.parse(stdout) as Dump;
  // partitions interleave in whatever order their fetches answered
  parsed.messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  return parsed;
}

describe('kafkajs lean record decoder', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('cairn_lean_records');
  });

  afterAll(async () => {
    await env.cleanup();
  });

  it('hands over exactly the messages the original decoder does, from a real fetch', async () => {
    // this environment's own topic (createTestEnv made it, with several partitions), nothing else writes to it
    const topic = env.topics.emailEvents;
    const now = Date.now();
    const plain: Message[] = [];
    for (let i = 0; i < 300; i++) {
      plain.push({
        key: i % 7 === 0 ? null : `contact-${i % 13}`,
        value: i % 11 === 0 ? null : Buffer.alloc(i % 5 === 0 ? 300 + i * 40 : 20 + (i % 17), i % 256),
        partition: i % 2,
        timestamp: String(now + (i % 3 === 0 ? -i * 1000 : i)),
      });
    }
    const odd: Message[] = [
      { key: '', value: Buffer.alloc(0), partition: 0 },
      { key: 'h', value: Buffer.from('with headers'), headers: { a: '1', dup: ['x', 'y'], 'é': Buffer.from([0, 255]) }, partition: 0 },
      { key: 'ts0', value: Buffer.from('epoch'), timestamp: '0', partition: 1 },
      // beyond 2^53 (kafkajs's producer goes through a Number: an even one) and a delta of more than 7 varlong bytes: the original decoder's ground
      { key: 'big', value: Buffer.from('big timestamp'), timestamp: '9007199254740994', partition: 1 },
      { key: 'after', value: Buffer.from('after'), partition: 1 },
      { key: 'neg', value: Buffer.from('no timestamp'), timestamp: '-1', partition: 0 },
    ];
    const producer = env.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: plain.slice(0, 150) });
    await producer.send({ topic, messages: odd });
    await producer.send({ topic, messages: plain.slice(150), compression: CompressionTypes.GZIP });
    await producer.disconnect();
    // What the topic holds: a non-idempotent producer may write a batch twice when it retries a request (a
    // partition whose leader was not known yet on a slow machine, say), so count what is there.
    const admin = env.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const total = ends.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
    expect(total).toBeGreaterThanOrEqual(plain.length + odd.length);

    const [lean, original] = await Promise.all([dump(topic, 'lean', total), dump(topic, 'original', total)]);
    expect(lean.lean).toBe(true);
    expect(original.lean).toBe(false);
    expect(lean.messages).toHaveLength(total);
    expect(original.messages).toHaveLength(total);
    // Same fields in the same order with the same values, batch contexts included.
    lean.messages.forEach((message, i) => expect(JSON.stringify(message)).toBe(JSON.stringify(original.messages[i])));
    // Most records took the lean path; those with headers or huge timestamps went to the original.
    expect(lean.counts.lean).toBeGreaterThan(total - 10);
    expect(lean.counts.original).toBeGreaterThanOrEqual(2);
    const big = lean.messages.filter((message) => (message.key as { base64?: string } | null)?.base64 === Buffer.from('big').toString('base64'));
    expect(big.length).toBeGreaterThanOrEqual(1);
    expect(new Set(big.map((m) => m.timestamp))).toEqual(new Set(['9007199254740994']));
    expect(lean.messages.some((message) => Object.keys(message.headers).length === 3)).toBe(true);
  }, 60_000);
});
