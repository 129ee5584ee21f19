import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Partitioners } from 'kafkajs';
import { LeanDefaultPartitioner, leanProduceRequest, murmur2 } from './kafkajs-lean-produce';

const load = createRequire(__filename);
const kafkajsMurmur2 = load('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;
const Encoder = load('kafkajs/src/protocol/encoder') as new (size?: number) => { buf: Buffer; offset: number; buffer: Buffer };
const crc32C = load('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
type Request = { apiKey: number; apiVersion: number; expectResponse(): boolean; encode(): Promise<{ buffer: Buffer }> };
const originalV3 = load('kafkajs/src/protocol/requests/produce/v3/request') as (args: object) => Request;
const lean = leanProduceRequest(originalV3 as never, Encoder as never, crc32C);

type Message = { key?: Buffer | string | null; value: Buffer | string | null; headers?: object; timestamp?: string };

async function bothEncodings(messagesPerPartition: Message[][], extra: object = {}) {
  const args = {
    acks: -1,
    timeout: 30000,
    producerId: -1,
    producerEpoch: 0,
    topicData: [
      { topic: 'cairn.email-events', partitions: messagesPerPartition.map((messages, partition) => ({ partition, firstSequence: 0, messages })) },
      { topic: 'ünïcode-topic', partitions: [{ partition: 3, firstSequence: 0, messages: messagesPerPartition[0] ?? [] }] },
    ],
    ...extra,
  };
  const original = originalV3(args);
  const mine = lean(args as never);
  expect([mine.apiKey, mine.apiVersion, mine.expectResponse()]).toEqual([original.apiKey, original.apiVersion, original.expectResponse()]);
  return { original: (await original.encode()).buffer, lean: (await (mine as unknown as Request).encode()).buffer };
}

describe('lean kafkajs produce path', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_790_000_000_123));
  afterEach(() => jest.restoreAllMocks());

  it('hashes keys exactly as kafkajs murmur2 does', () => {
    const keys: (Buffer | string)[] = ['', 'a', 'ab', 'abc', 'abcd', 'contact-1', 'é€😀', 'x'.repeat(2000)];
    for (let i = 0; i < 2000; i++) keys.push(randomBytes(i % 70));
    for (let i = 0; i < 500; i++) keys.push(crypto.randomUUID());
    for (const key of keys) expect(murmur2(key)).toBe(kafkajsMurmur2(key));
  });

  it('picks the partitions kafkajs DefaultPartitioner picks', () => {
    const partitionMetadata = [0, 1, 2, 3, 4, 5, 6].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
    const mine = LeanDefaultPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 1000; i++) {
      const message = { key: i % 2 ? crypto.randomUUID() : randomBytes(i % 40), value: null };
      expect(mine({ topic: 't', partitionMetadata, message })).toBe(theirs({ topic: 't', partitionMetadata, message }));
    }
    expect(mine({ topic: 't', partitionMetadata, message: { key: 'k', value: null, partition: 5 } })).toBe(5);
    // no key: round robin over the partitions that have a leader
    const someDown = partitionMetadata.map((p) => ({ ...p, leader: p.partitionId % 2 ? -1 : 1 }));
    const picked = new Set(Array.from({ length: 40 }, () => mine({ topic: 'u', partitionMetadata: someDown, message: { value: null } })));
    expect([...picked].sort()).toEqual([0, 2, 4, 6]);
  });

  it('writes the same produce request bytes as kafkajs', async () => {
    const messages = (n: number, seed: number): Message[] =>
      Array.from({ length: n }, (_, i) => ({
        key: i % 9 === 0 ? null : i % 4 === 0 ? Buffer.from(`buffer-key-${seed}-${i}`) : `contact-${seed}-${i}-é`,
        value: i % 13 === 0 ? null : i % 5 === 0 ? `text value ${i} ✓` : randomBytes((i * 37 + seed) % 400),
      }));
    for (const sizes of [[1], [2, 0, 3], [200, 17], [70], [1000]]) {
      const { original, lean: mine } = await bothEncodings(sizes.map((n, seed) => messages(n, seed)));
      expect(mine.equals(original)).toBe(true);
    }
    // record bodies crossing one- and two-byte varint lengths, empty keys and values
    const edge: Message[] = [0, 1, 50, 56, 57, 63, 64, 120, 127, 128, 200, 8190, 8200, 20000].map((n) => ({ key: n % 2 ? '' : 'k', value: Buffer.alloc(n, 7) }));
    const { original, lean: mine } = await bothEncodings([edge, [{ key: '', value: '' }]]);
    expect(mine.equals(original)).toBe(true);
    // an idempotent producer's id (a Long), epoch and sequence
    const Long = load('kafkajs/src/utils/long') as { fromValue(v: number): object };
    const idempotent = await bothEncodings([messages(30, 9)], { producerId: Long.fromValue(123456789012), producerEpoch: 3 });
    expect(idempotent.lean.equals(idempotent.original)).toBe(true);
  });

  it('leaves headers, timestamps, compression and transactions to kafkajs', async () => {
    const cases: [Message[], object][] = [
      [[{ key: 'a', value: 'b', headers: { h: '1' } }], {}],
      [[{ key: 'a', value: 'b', timestamp: '1700000000000' }], {}],
      [[{ key: 'a', value: 'b' }], { compression: 1 }],
      [[{ key: 'a', value: 'b' }], { transactionalId: 'tx' }],
    ];
    for (const [messages, extra] of cases) {
      const args = { acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }], ...extra };
      const viaLean = lean(args as never) as unknown as Request;
      expect((await viaLean.encode()).buffer.equals((await originalV3(args).encode()).buffer)).toBe(true);
    }
  });
});
