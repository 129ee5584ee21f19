import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

/*
 * kafkajs spends most of a producer's CPU on bookkeeping around the bytes: murmur2 in 64-bit Long objects, a
 * quadratic per-partition grouping that copies the array for every message, and an Encoder object (with its own
 * buffer) per record that the batch then copies again. This file keeps kafkajs for everything that is protocol
 * state (metadata, leaders, retries, connections) and replaces two of those pieces with code that computes the
 * same results: a 32-bit murmur2 partitioner and a produce request written straight into one buffer. Tests
 * compare both with kafkajs's own, bit for bit. (The grouping is bound when kafkajs loads, so it stays.)
 */

const M = 0x5bd1e995;
const SEED = 0x9747b28c;
const scratch = Buffer.allocUnsafeSlow(1024);

/** Kafka's murmur2 (Java client Utils.murmur2) over data[0, length), in 32-bit arithmetic. */
function murmur2Bytes(data: Uint8Array, length: number): number {
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The Java switch's fall-through: the last 1–3 bytes, then one multiply.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2]! << 16;
    if (tail >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** murmur2 of a message key as kafkajs hashes it: a Buffer's bytes, anything else as the UTF-8 of String(key). */
export function murmur2(key: Buffer | string): number {
  if (Buffer.isBuffer(key)) return murmur2Bytes(key, key.length);
  const text = String(key);
  // A key that fits is written into a scratch buffer instead of allocating one per message.
  if (text.length * 3 <= scratch.length) return murmur2Bytes(scratch, scratch.write(text, 0));
  const bytes = Buffer.from(text);
  return murmur2Bytes(bytes, bytes.length);
}

const toPositive = (x: number): number => x & 0x7fffffff;

/**
 * kafkajs's DefaultPartitioner (the Java client's: explicit partition, else murmur2 of the key, else round
 * robin over partitions with a leader) with the 32-bit murmur2 and no per-message array of available partitions.
 */
export const LeanDefaultPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const numPartitions = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return toPositive(murmur2(message.key)) % numPartitions;
    const counter = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[toPositive(counter) % available.length]!.partitionId;
    return toPositive(counter) % numPartitions;
  };
};

interface Message {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: unknown;
  timestamp?: string | number;
}

interface LongLike {
  toString(): string;
}

interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: number | LongLike;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: Message[] }[] }[];
}

interface EncoderLike {
  buf: Buffer;
  offset: number;
}

interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<EncoderLike>;
}

type ProduceRequestV3 = (args: ProduceArgs) => ProduceRequest;
type EncoderClass = new (initialSize?: number) => EncoderLike;
type Crc32C = (buffer: Buffer) => number;

const varIntSize = (value: number): number => {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag >>>= 7;
    size++;
  }
  return size;
};

function writeVarInt(buf: Buffer, at: number, value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zigzag >= 0x80) {
    buf[at++] = (zigzag & 0x7f) | 0x80;
    zigzag >>>= 7;
  }
  buf[at++] = zigzag;
  return at;
}

/** A record's key or value: its byte length, -1 for null, undefined for a type only kafkajs itself handles. */
function bytesLength(value: Buffer | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return -1;
  if (Buffer.isBuffer(value)) return value.length;
  if (typeof value === 'string') return Buffer.byteLength(value);
  return undefined;
}

function writeBytes(buf: Buffer, at: number, value: Buffer | string | null | undefined, length: number): number {
  at = writeVarInt(buf, at, length);
  if (length <= 0) return at;
  if (Buffer.isBuffer(value)) return at + value.copy(buf, at);
  return at + buf.write(value as string, at, length);
}

const BATCH_HEADER = 8 + 4 + 4 + 1 + 4; // firstOffset, length, partitionLeaderEpoch, magic, crc
const BATCH_BODY_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4; // attributes … firstSequence, record count

/**
 * Produce request v3 (v4–v7 add nothing to the body) for uncompressed, non-transactional batches of records
 * without headers or explicit timestamps: the same bytes kafkajs writes, in one buffer. Anything else is
 * encoded by kafkajs's own request.
 */
export function leanProduceRequest(original: ProduceRequestV3, Encoder: EncoderClass, crc32C: Crc32C): ProduceRequestV3 {
  return (args) => {
    const { acks, timeout, transactionalId = null, producerId = -1, producerEpoch = 0, compression = 0, topicData } = args;
    if (compression !== 0 || transactionalId !== null) return original(args);
    const keyLengths: number[] = [];
    const valueLengths: number[] = [];
    let size = 2 + 2 + 4 + 4; // transactional id (null), acks, timeout, topic count
    for (const { topic, partitions } of topicData) {
      size += 2 + Buffer.byteLength(topic) + 4;
      for (const { messages } of partitions) {
        size += 4 + 4 + BATCH_HEADER + BATCH_BODY_HEADER;
        for (let i = 0; i < messages.length; i++) {
          const message = messages[i]!;
          if (message.timestamp !== undefined && message.timestamp !== null) return original(args);
          if (message.headers !== undefined && message.headers !== null) return original(args);
          const keyLength = bytesLength(message.key);
          const valueLength = bytesLength(message.value);
          if (keyLength === undefined || valueLength === undefined) return original(args);
          keyLengths.push(keyLength);
          valueLengths.push(valueLength);
          const body = recordBodySize(i, keyLength, valueLength);
          size += varIntSize(body) + body;
        }
      }
    }
    return {
      apiKey: 0,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => acks !== 0,
      encode: async () => {
        const encoder = new Encoder(size);
        encoder.offset = encodeProduce(encoder.buf, { acks, timeout, producerId, producerEpoch, topicData }, keyLengths, valueLengths, crc32C);
        return encoder;
      },
    };
  };
}

/** attributes, timestamp delta 0, offset delta, key, value, header count 0 */
const recordBodySize = (offsetDelta: number, keyLength: number, valueLength: number): number =>
  1 + 1 + varIntSize(offsetDelta) + varIntSize(keyLength) + Math.max(0, keyLength) + varIntSize(valueLength) + Math.max(0, valueLength) + 1;

function encodeProduce(
  buf: Buffer,
  args: Required<Pick<ProduceArgs, 'acks' | 'timeout' | 'producerId' | 'producerEpoch' | 'topicData'>>,
  keyLengths: number[],
  valueLengths: number[],
  crc32C: Crc32C,
): number {
  const producerId = typeof args.producerId === 'number' ? BigInt(args.producerId) : BigInt(args.producerId.toString());
  const now = BigInt(Date.now());
  let at = buf.writeInt16BE(-1, 0);
  at = buf.writeInt16BE(args.acks, at);
  at = buf.writeInt32BE(args.timeout, at);
  at = buf.writeInt32BE(args.topicData.length, at);
  let n = 0;
  for (const { topic, partitions } of args.topicData) {
    at = buf.writeInt16BE(Buffer.byteLength(topic), at);
    at += buf.write(topic, at);
    at = buf.writeInt32BE(partitions.length, at);
    for (const { partition, firstSequence = 0, messages } of partitions) {
      at = buf.writeInt32BE(partition, at);
      const recordSetAt = at;
      at += 4;
      at = buf.writeBigInt64BE(0n, at); // first offset
      const lengthAt = at;
      at += 4;
      at = buf.writeInt32BE(0, at); // partition leader epoch
      at = buf.writeInt8(2, at); // magic
      const crcAt = at;
      at += 4;
      const bodyAt = at;
      at = buf.writeInt16BE(0, at); // attributes: no compression, create time, not transactional
      at = buf.writeInt32BE(messages.length - 1, at); // last offset delta
      at = buf.writeBigInt64BE(now, at); // first timestamp
      at = buf.writeBigInt64BE(now, at); // max timestamp
      at = buf.writeBigInt64BE(producerId, at);
      at = buf.writeInt16BE(args.producerEpoch, at);
      at = buf.writeInt32BE(firstSequence, at);
      at = buf.writeInt32BE(messages.length, at);
      for (let i = 0; i < messages.length; i++, n++) {
        const message = messages[i]!;
        const keyLength = keyLengths[n]!;
        const valueLength = valueLengths[n]!;
        at = writeVarInt(buf, at, recordBodySize(i, keyLength, valueLength));
        buf[at++] = 0; // attributes
        buf[at++] = 0; // timestamp delta
        at = writeVarInt(buf, at, i);
        at = writeBytes(buf, at, message.key, keyLength);
        at = writeBytes(buf, at, message.value, valueLength);
        buf[at++] = 0; // no headers
      }
      buf.writeUInt32BE(crc32C(buf.subarray(bodyAt, at)), crcAt);
      buf.writeInt32BE(at - lengthAt - 4, lengthAt);
      buf.writeInt32BE(at - recordSetAt - 4, recordSetAt);
    }
  }
  return at;
}

const PRODUCE_V3 = 'kafkajs/src/protocol/requests/produce/v3/request';
const LATER_VERSIONS = [4, 5, 6, 7].map((v) => `kafkajs/src/protocol/requests/produce/v${v}/request`);

let installed: boolean | undefined;

/**
 * Puts the lean produce request in place of kafkajs's, like leanKafkajsRecords: kafkajs requires the later
 * produce versions (which wrap v3 and bind it) lazily on the first produce, so this must run before any
 * producer sent: createKafka calls it. Returns whether the lean request is in use.
 */
export function leanKafkajsProduce(): boolean {
  if (installed !== undefined) return installed;
  const load = createRequire(__filename);
  if (LATER_VERSIONS.some((path) => load.cache[load.resolve(path)])) return (installed = false);
  const requestPath = load.resolve(PRODUCE_V3);
  const original = load(requestPath) as ProduceRequestV3;
  const Encoder = load('kafkajs/src/protocol/encoder') as EncoderClass;
  const crc32C = load('kafkajs/src/protocol/recordBatch/crc32C') as Crc32C;
  const request = load.cache[requestPath];
  if (!request) return (installed = false);
  request.exports = leanProduceRequest(original, Encoder, crc32C);
  return (installed = true);
}
