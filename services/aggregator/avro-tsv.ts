import type { EventCodec } from '../../lib/contracts/events/event-codec';
import { STORABLE_RANGES } from '../../lib/contracts/events/event-ranges';
import * as avroPlan from './avro-plan';
import type { Field, Plan } from './avro-plan';
import { stampOf } from './event-row';
import { escapeTsv } from './ingest-tsv';
import type { TsvOut } from './tsv-out';

/**
 * The aggregator's fast path: one Avro message (single-object encoding, newest schema of its type) straight to its
 * events_ingest TabSeparated line, without decoding it into objects. Strings are copied byte for byte from the
 * Kafka message; no row object, no UTF-8 decoding, almost no garbage. It handles exactly the messages whose line
 * needs no escaping (ASCII strings without control characters, backslashes or, in `detail`, quotes) and are
 * well formed; for anything else it answers false and the caller takes the generic path (codec.decode, toRawRow,
 * tsvLine), which also owns every error and the dead-letter topic. Its tests hold it to the generic path's output,
 * byte for byte, for every event type.
 */

/**
 * The plan's constants as this module's own: the per-message code below reads module constants, while an imported
 * binding, compiled to CommonJS, is a property load on the other module's exports at every use, a few per cent of
 * the transcoder's time (docs/clickhouse.md#benchmarks).
 */
const { BOOL, C, COLUMN_COUNT, lineBound, NULL_NUM, NULL_STR, NUM, NUMERIC, planFor, STR, STR_ARRAY } = avroPlan;

const SAFE_LONG = 2 ** 53;
/** Times ClickHouse's DateTime holds (a 19-character stamp); the generic path refuses the rest (event-ranges.ts). */
const MAX_STAMP_MS = STORABLE_RANGES.event_time.max;
const TAB = 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** event_time as 'YYYY-MM-DD hh:mm:ss' bytes, formatted once per second (events arrive roughly in time order). */
const stamp = Buffer.alloc(19);
let stampSecond = Number.NaN;
function stampBytes(ms: number): Buffer {
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stamp.write(stampOf(ms), 0, 'latin1');
    stampSecond = second;
  }
  return stamp;
}

/** The kafka_topic column's bytes, computed once per Kafka batch. */
export function kafkaTopicColumn(topic: string): Buffer {
  return Buffer.from(escapeTsv(topic), 'utf8');
}

/** Per-message scratch, reused: where each field's value lies in the message, or its number. */
const MAX_FIELDS = 64;
const starts = new Int32Array(MAX_FIELDS);
const ends = new Int32Array(MAX_FIELDS);
const nums = new Float64Array(MAX_FIELDS);
/** 1 when the field is null (a union's null branch) */
const nulls = new Uint8Array(MAX_FIELDS);

export class AvroTsvTranscoder {
  /**
   * Plans by fingerprint as two 32-bit words: a handful of event types, so a scan finds one without making a
   * string per message to look it up.
   */
  private readonly plans: { lo: number; hi: number; plan: Plan }[] = [];

  constructor(codec: EventCodec) {
    for (const schema of codec.latestSchemas()) {
      const plan = planFor(schema);
      if (plan && plan.fields.length <= MAX_FIELDS)
        this.plans.push({ lo: schema.fingerprint.readInt32LE(0), hi: schema.fingerprint.readInt32LE(4), plan });
    }
  }

  /** Event types the fast path covers (tests check it covers all of today's). */
  get coveredFingerprints(): number {
    return this.plans.length;
  }

  /** The plan for the fingerprint at bytes 2–9 of a single-object encoding (the caller checked the length). */
  private planOf(value: Buffer): Plan | undefined {
    const lo = value.readInt32LE(2);
    const hi = value.readInt32LE(6);
    for (const entry of this.plans) if (entry.lo === lo && entry.hi === hi) return entry.plan;
    return undefined;
  }

  /**
   * Appends the message's line to `out` and answers true, or writes nothing and answers false (anything unusual:
   * the generic path decides). `topic` is the kafka_topic column, escaped and UTF-8 encoded (kafkaTopicColumn).
   */
  transcode(value: Buffer, topic: Buffer, partition: number, offset: number, out: TsvOut): boolean {
    const end = value.length;
    if (end < 10 || value[0] !== 0xc3 || value[1] !== 0x01) return false;
    const plan = this.planOf(value);
    if (!plan) return false;
    if (readFields(value, plan) !== end) return false;
    const ms = nums[plan.timeField] as number;
    if (!(ms >= 0 && ms <= MAX_STAMP_MS)) return false;
    // A number its column cannot hold: the generic path's decode refuses it and dead-letters the message.
    for (const [i, min, max] of plan.ranged)
      if (nulls[i] === 0 && !((nums[i] as number) >= min && (nums[i] as number) <= max)) return false;
    this.writeLine(value, plan, ms, topic, partition, offset, out);
    return true;
  }

  private writeLine(
    value: Buffer,
    plan: Plan,
    ms: number,
    topic: Buffer,
    partition: number,
    offset: number,
    out: TsvOut,
  ): void {
    out.ensure(lineBound(plan, value, topic));
    const fields = plan.fields;
    for (let c = 0; c < COLUMN_COUNT; c++) {
      if (c > 0) out.byte(TAB);
      const i = plan.source[c] as number;
      if (i >= 0) {
        const kind = (fields[i] as Field).kind;
        if (kind === BOOL) out.byte(nums[i] === 1 ? 0x31 : 0x30);
        else if (nulls[i] === 1) {
          if (kind === NULL_NUM) out.byte(0x30);
        } else if (kind === STR || kind === NULL_STR) out.bytes(value, starts[i] as number, ends[i] as number);
        else out.int(nums[i] as number);
        continue;
      }
      if (c === C.eventType) out.bytes(plan.eventType, 0, plan.eventType.length);
      else if (c === C.time) out.bytes(stampBytes(ms), 0, 19);
      else if (c === C.date) out.bytes(stampBytes(ms), 0, 10);
      else if (c === C.timeMs) out.int(ms);
      else if (c === C.reason) this.writeReason(value, plan, out);
      else if (c === C.detail) {
        if (plan.hasDetail) this.writeDetail(value, plan, out);
      } else if (c === C.topic) out.bytes(topic, 0, topic.length);
      else if (c === C.partition) out.int(partition);
      else if (c === C.offset) out.int(offset);
      else if (NUMERIC[c] === 1) out.byte(0x30);
    }
    out.byte(NEWLINE);
  }

  private writeReason(value: Buffer, plan: Plan, out: TsvOut): void {
    for (const i of plan.reasonFields) {
      if (nulls[i] === 0 && (ends[i] as number) > (starts[i] as number)) {
        out.bytes(value, starts[i] as number, ends[i] as number);
        return;
      }
    }
  }

  /** JSON.stringify of the fields without a column of their own, null ones left out ('' when none is left). */
  private writeDetail(value: Buffer, plan: Plan, out: TsvOut): void {
    let first = true;
    const fields = plan.fields;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as Field;
      if (field.detailKey === null || nulls[i] === 1) continue;
      out.byte(first ? 0x7b : 0x2c); // { or ,
      first = false;
      out.bytes(field.detailKey, 0, field.detailKey.length);
      const kind = field.kind;
      if (kind === STR || kind === NULL_STR) {
        out.byte(QUOTE);
        out.bytes(value, starts[i] as number, ends[i] as number);
        out.byte(QUOTE);
      } else if (kind === BOOL) out.ascii(nums[i] === 1 ? 'true' : 'false');
      else if (kind === STR_ARRAY) writeStringArray(value, starts[i] as number, out);
      else out.int(nums[i] as number);
    }
    if (!first) out.byte(0x7d); // }
  }
}

/**
 * Reads the message's fields into the scratch arrays (where each string lies, each number, each null) and answers
 * where the last one ends, or -1 for anything the fast path leaves to the generic one.
 */
function readFields(value: Buffer, plan: Plan): number {
  const end = value.length;
  let pos = 10;
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as Field;
    let kind = field.kind;
    nulls[i] = 0;
    if (kind === NULL_STR || kind === NULL_NUM) {
      const branch = value[pos++];
      if (branch === 0) {
        nulls[i] = 1;
        continue;
      }
      if (branch !== 2) return -1; // zigzag 1: the second branch; anything else is for the generic path
      kind = kind === NULL_STR ? STR : NUM;
    }
    if (kind === BOOL) {
      const b = value[pos++];
      if (b !== 0 && b !== 1) return -1;
      nums[i] = b;
      continue;
    }
    if (kind === STR_ARRAY) {
      starts[i] = pos;
      pos = skipStringArray(value, pos, end);
      if (pos < 0) return -1;
      ends[i] = pos;
      continue;
    }
    const number = readLong(value, pos, end);
    if (Number.isNaN(number)) return -1;
    pos = cursor.pos;
    if (kind === NUM) {
      nums[i] = number;
      continue;
    }
    // a string: its bytes must be plain ASCII the line can hold unescaped
    const stop = pos + number;
    if (number < 0 || stop > end) return -1;
    const detail = field.detailKey !== null;
    for (let p = pos; p < stop; p++) {
      const c = value[p] as number;
      if (c < 0x20 || c >= 0x7f || c === BACKSLASH || (detail && c === QUOTE)) return -1;
    }
    starts[i] = pos;
    ends[i] = stop;
    pos = stop;
  }
  return pos;
}

/** Reads one zigzag varint (Avro int or long) at pos: its value, the next position in cursor.pos; NaN if unusable. */
const cursor = { pos: 0 };
function readLong(value: Buffer, pos: number, end: number): number {
  let n = 0;
  let mul = 1;
  let b = 0x80;
  while (b & 0x80) {
    if (pos >= end || mul > SAFE_LONG) return Number.NaN;
    b = value[pos++] as number;
    n += (b & 0x7f) * mul;
    mul *= 128;
  }
  cursor.pos = pos;
  if (n > SAFE_LONG) return Number.NaN;
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Validates an Avro array of strings (blocks, items safe for a JSON string in a TSV line); next position or -1. */
function skipStringArray(value: Buffer, pos: number, end: number): number {
  for (;;) {
    let count = readLong(value, pos, end);
    if (Number.isNaN(count)) return -1;
    pos = cursor.pos;
    if (count === 0) return pos;
    if (count < 0) {
      count = -count;
      if (Number.isNaN(readLong(value, pos, end))) return -1; // block size in bytes
      pos = cursor.pos;
    }
    for (let k = 0; k < count; k++) {
      const length = readLong(value, pos, end);
      if (!(length >= 0) || cursor.pos + length > end) return -1;
      pos = cursor.pos;
      for (let p = pos; p < pos + length; p++) {
        const c = value[p] as number;
        if (c < 0x20 || c >= 0x7f || c === BACKSLASH || c === QUOTE) return -1;
      }
      pos += length;
    }
  }
}

/** Writes a validated Avro string array as a JSON array. */
function writeStringArray(value: Buffer, pos: number, out: TsvOut): void {
  out.byte(0x5b); // [
  let first = true;
  for (;;) {
    let count = readLong(value, pos, value.length);
    pos = cursor.pos;
    if (count === 0) break;
    if (count < 0) {
      count = -count;
      readLong(value, pos, value.length);
      pos = cursor.pos;
    }
    for (let k = 0; k < count; k++) {
      const length = readLong(value, pos, value.length);
      pos = cursor.pos;
      if (!first) out.byte(0x2c);
      first = false;
      out.byte(QUOTE);
      out.bytes(value, pos, pos + length);
      out.byte(QUOTE);
      pos += length;
    }
  }
  out.byte(0x5d); // ]
}
