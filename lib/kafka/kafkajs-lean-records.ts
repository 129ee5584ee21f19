import { createRequire } from 'node:module';

/** The parts of kafkajs's protocol Decoder the record decoder uses (kafkajs/src/protocol/decoder.js). */
interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
}

/** What kafkajs's record-batch decoder hands each record (kafkajs/src/protocol/recordBatch/v0/decoder.js). */
interface BatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  maxTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
}

type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: BatchContext) => unknown;

const RECORD_DECODER = 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js';
const BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
const LOG_APPEND_TIME = 1;
/** a zigzag varlong of up to 7 bytes holds at most 49 bits: a safe integer */
const MAX_VARLONG_SHIFT = 42;
/** thrown to hand a record to the original decoder (a constant: no stack trace to capture) */
const NOT_COVERED = Symbol('not covered');

/** The number a kafkajs 64-bit decimal string stands for, NaN unless it is a safe integer written canonically. */
function safeInteger(value: string | undefined): number {
  if (typeof value !== 'string') return NaN;
  const number = Number(value);
  return Number.isSafeInteger(number) && String(number) === value ? number : NaN;
}

// The record being read: module state rather than closures, so nothing is allocated per record for reading.
let buffer: Buffer = Buffer.alloc(0);
let at = 0;

/** kafkajs's Decoder.readVarInt + decodeZigZag, the same 32-bit arithmetic (a missing byte reads as 0). */
function varInt(): number {
  let byte: number;
  let result = 0;
  let shift = 0;
  do {
    byte = buffer[at++] as number;
    result += (byte & 0x7f) << shift;
    shift += 7;
  } while (byte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/** kafkajs's Decoder.readVarIntBytes: a view of the fetch buffer, null for length -1. */
function varIntBytes(): Buffer | null {
  const length = varInt();
  if (length === -1) return null;
  const value = buffer.slice(at, at + length);
  at += length;
  return value;
}

/** A zigzag varlong as a number, NaN when longer than 7 bytes (possibly beyond 2^53) or cut short. */
function varLong(): number {
  let zigzag = 0;
  let byte: number;
  let shift = 0;
  do {
    if (shift > MAX_VARLONG_SHIFT || at >= buffer.length) return NaN;
    byte = buffer[at++] as number;
    zigzag += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte >= 0x80);
  return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
}

/** Records decoded by the lean path and handed to the original, for tests and debugging. */
export const leanRecordCounts = { lean: 0, original: 0 };

/**
 * kafkajs 2.2.4's record decoder with plain numbers: the original turns the batch's first offset and timestamp
 * from strings into BigInt-backed Longs, adds each record's delta and prints them back, and reads the timestamp
 * delta through a Long per byte, for every record. This returns the same object (same fields, same order, offset
 * and timestamp as decimal strings, key and value as views of the fetch buffer) and hands anything it does not
 * cover to the original from the record's first byte: offsets or timestamps beyond 2^53, timestamp deltas longer
 * than 7 bytes, records with headers, anything malformed (so errors are the original's).
 */
function leanRecordDecoder(original: RecordDecoder): RecordDecoder {
  // Records of a batch arrive one after the other with the same context: parse its strings once.
  let context: BatchContext | undefined;
  let firstOffset = NaN;
  let firstTimestamp = NaN;
  // a producer's batch holds runs of records of the same millisecond: print each once
  let lastTimestamp = NaN;
  let lastTimestampText = '';
  return function decodeRecord(decoder, batchContext) {
    if (batchContext === undefined) {
      leanRecordCounts.original++;
      return original(decoder, batchContext);
    }
    if (batchContext !== context) {
      context = batchContext;
      firstOffset = safeInteger(batchContext.firstOffset);
      firstTimestamp = safeInteger(batchContext.firstTimestamp);
    }
    const start = decoder.offset;
    buffer = decoder.buffer;
    at = start;
    try {
      if (at >= buffer.length || Number.isNaN(firstOffset)) throw NOT_COVERED;
      const attributes = ((buffer[at++] as number) << 24) >> 24; // Int8
      const timestampDelta = varLong();
      if (Number.isNaN(timestampDelta)) throw NOT_COVERED;
      let timestamp: string;
      if (batchContext.timestampType === LOG_APPEND_TIME && batchContext.maxTimestamp) {
        timestamp = batchContext.maxTimestamp;
      } else {
        const sum = firstTimestamp + timestampDelta;
        if (sum !== lastTimestamp) {
          if (!Number.isSafeInteger(sum)) throw NOT_COVERED;
          lastTimestamp = sum;
          lastTimestampText = String(sum);
        }
        timestamp = lastTimestampText;
      }
      const offsetSum = firstOffset + varInt();
      if (!Number.isSafeInteger(offsetSum)) throw NOT_COVERED;
      const key = varIntBytes();
      const value = varIntBytes();
      if (at > buffer.length || varInt() !== 0) throw NOT_COVERED;
      decoder.offset = at;
      leanRecordCounts.lean++;
      return {
        magicByte: batchContext.magicByte,
        attributes,
        timestamp,
        offset: String(offsetSum),
        key,
        value,
        headers: {},
        isControlRecord: batchContext.isControlBatch ?? false,
        batchContext,
      };
    } catch {
      decoder.offset = start;
      leanRecordCounts.original++;
      return original(decoder, batchContext);
    }
  };
}

let installed: boolean | undefined;

/**
 * Puts the lean record decoder in place of kafkajs's, in the same spirit as stopKafkajsIdleLoop. kafkajs's
 * record-batch decoder binds the record decoder when it is first required (lazily, on the first fetch), so this
 * must run before any consumer fetched: createKafka calls it. Returns whether the lean decoder is in use.
 */
export function leanKafkajsRecords(): boolean {
  if (installed !== undefined) return installed;
  const load = createRequire(__filename);
  const recordPath = load.resolve(RECORD_DECODER);
  if (load.cache[load.resolve(BATCH_DECODER)]) return (installed = false);
  const original = load(recordPath) as RecordDecoder;
  const cached = load.cache[recordPath];
  if (!cached) return (installed = false);
  cached.exports = leanRecordDecoder(original);
  return (installed = true);
}
