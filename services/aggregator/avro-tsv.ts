import type { EventCodec, SchemaVersion } from '../../lib/contracts/events/event-codec';
import { RANGE_OF, STORABLE_RANGES } from '../../lib/contracts/events/event-ranges';
import { ROW_COLUMNS, stampOf } from './event-row';
import { escapeTsv, INGEST_COLUMNS } from './ingest-tsv';

/**
 * The aggregator's fast path: one Avro message (single-object encoding, newest schema of its type) straight to its
 * events_ingest TabSeparated line, without decoding it into objects. Strings are copied byte for byte from the
 * Kafka message; no row object, no UTF-8 decoding, almost no garbage. It handles exactly the messages whose line
 * needs no escaping (ASCII strings without control characters, backslashes or, in `detail`, quotes) and are
 * well formed; for anything else it answers false and the caller takes the generic path (codec.decode, toRawRow,
 * tsvLine), which also owns every error and the dead-letter topic. Its tests hold it to the generic path's output,
 * byte for byte, for every event type.
 */

const STR = 0;
const NULL_STR = 1;
const NUM = 2; // int and long (avsc decodes both to a number, unchecked against the int range)
const NULL_NUM = 3;
const BOOL = 4;
const STR_ARRAY = 5;
type Kind = typeof STR | typeof NULL_STR | typeof NUM | typeof NULL_NUM | typeof BOOL | typeof STR_ARRAY;

/** Columns computed from several fields or from none (toRawRow); every other column is one field or empty. */
const DERIVED = new Set([
  'event_type',
  'event_date',
  'event_time',
  'event_time_ms',
  'reason',
  'detail',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
]);
const NUMERIC_COLUMNS = new Set(['email_version', 'iteration', 'smtp_code', 'machine']);
/** toRawRow's reason: the first non-empty of these fields. */
const REASON_SOURCES = ['reason', 'error_code', 'feedback_type'];

interface Field {
  kind: Kind;
  /** `"name":` for a field that goes to `detail`, else null */
  detailKey: Buffer | null;
}

interface Plan {
  eventType: Buffer;
  fields: Field[];
  /** per events_ingest column: the field it copies, or -1 (derived, or absent from this schema: empty / 0) */
  source: Int16Array;
  timeField: number;
  /** numeric fields with a column narrower than Avro's (event-ranges.ts): [field index, min, max] */
  ranged: [number, number, number][];
  reasonFields: number[];
  hasDetail: boolean;
  /** bytes a line may take besides four times the message's length (TsvOut.reserve once per line, see lineBound) */
  fixedBytes: number;
}

const SAFE_LONG = 2 ** 53;
/** a safe integer in decimal: a sign and 16 digits */
const MAX_INT_CHARS = 17;
/** Times ClickHouse's DateTime holds (a 19-character stamp); the generic path refuses the rest (event-ranges.ts). */
const MAX_STAMP_MS = STORABLE_RANGES.event_time.max;
const TAB = 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLUMN_COUNT = INGEST_COLUMNS.length;
const COLUMN_INDEX = new Map<string, number>(INGEST_COLUMNS.map((column, i) => [column, i]));
const col = (name: (typeof INGEST_COLUMNS)[number]): number => COLUMN_INDEX.get(name) ?? -1;
const C = {
  eventType: col('event_type'),
  date: col('event_date'),
  time: col('event_time'),
  timeMs: col('event_time_ms'),
  reason: col('reason'),
  detail: col('detail'),
  topic: col('kafka_topic'),
  partition: col('kafka_partition'),
  offset: col('kafka_offset'),
};
/** 1 for the numeric columns: one a schema lacks is written 0, a string one ''. */
const NUMERIC = Uint8Array.from(INGEST_COLUMNS, (column) => (NUMERIC_COLUMNS.has(column) ? 1 : 0));

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

function kindOf(type: unknown): Kind | null {
  if (type === 'string') return STR;
  if (type === 'int' || type === 'long') return NUM;
  if (type === 'boolean') return BOOL;
  if (typeof type === 'object' && type !== null) {
    const t = type as { type?: unknown; items?: unknown };
    if (Array.isArray(type) && type.length === 2 && type[0] === 'null') {
      const inner = kindOf(type[1]);
      return inner === STR ? NULL_STR : inner === NUM ? NULL_NUM : null;
    }
    if (t.type === 'long' || t.type === 'int') return NUM; // logical types (timestamp-millis) decode as plain numbers
    if (t.type === 'array' && t.items === 'string') return STR_ARRAY;
  }
  return null;
}

/** A plan for one schema, or null when it has a shape the fast path does not cover (the generic path takes it). */
function planFor(schema: SchemaVersion): Plan | null {
  const json = schema.type.schema() as { fields?: { name: string; type: unknown }[] };
  const fields: Field[] = [];
  const source = new Int16Array(COLUMN_COUNT).fill(-1);
  let timeField = -1;
  const ranged: [number, number, number][] = [];
  for (const [i, field] of (json.fields ?? []).entries()) {
    const kind = kindOf(field.type);
    if (kind === null) return null;
    const range = field.name === 'event_time' ? undefined : RANGE_OF.get(field.name);
    if (range) ranged.push([i, range.min, range.max]);
    const column = ROW_COLUMNS.has(field.name) ? COLUMN_INDEX.get(field.name) : undefined;
    if (field.name === 'event_time') {
      if (kind !== NUM) return null;
      timeField = i;
    } else if (column !== undefined && !DERIVED.has(field.name)) {
      const numeric = NUMERIC_COLUMNS.has(field.name);
      const fits =
        field.name === 'machine'
          ? kind === BOOL
          : numeric
            ? kind === NUM || kind === NULL_NUM
            : kind === STR || kind === NULL_STR;
      if (!fits) return null;
      source[column] = i;
    } else if (field.name === 'reason' && kind !== STR && kind !== NULL_STR) return null;
    fields.push({
      kind,
      detailKey: ROW_COLUMNS.has(field.name) ? null : Buffer.from(`${JSON.stringify(field.name)}:`, 'latin1'),
    });
  }
  if (timeField < 0) return null;
  const reasonFields: number[] = [];
  for (const name of REASON_SOURCES) {
    const i = (json.fields ?? []).findIndex((field) => field.name === name);
    if (i < 0) continue;
    const kind = fields[i]?.kind;
    if (kind !== STR && kind !== NULL_STR) return null;
    reasonFields.push(i);
  }
  const eventType = Buffer.from(escapeTsv(schema.eventType), 'latin1');
  const detailKeys = fields.reduce((sum, field) => sum + (field.detailKey?.length ?? 0), 0);
  // Per column a tab and at most a 17-character number; the event type, the time stamps and the detail's keys,
  // braces, commas, quotes and booleans. What comes from the message itself is bounded in lineBound.
  const fixedBytes =
    COLUMN_COUNT * (1 + MAX_INT_CHARS) +
    1 +
    eventType.length +
    19 +
    10 +
    detailKeys +
    fields.length * (3 + 5 + MAX_INT_CHARS) +
    2;
  return {
    eventType,
    fields,
    source,
    timeField,
    ranged,
    reasonFields,
    hasDetail: fields.some((f) => f.detailKey),
    fixedBytes,
  };
}

/**
 * The most bytes a message's line can take: each string of the message is copied at most twice (its column and
 * the detail, or the reason and its column), a string array item gains at most three bytes (quotes, comma) over
 * its Avro encoding (at least one length byte); every column's number is in fixedBytes.
 */
function lineBound(plan: Plan, value: Buffer, topic: Buffer): number {
  return plan.fixedBytes + 4 * value.length + topic.length;
}

/** The kafka_topic column's bytes, computed once per Kafka batch. */
export function kafkaTopicColumn(topic: string): Buffer {
  return Buffer.from(escapeTsv(topic), 'utf8');
}

/** Appends events_ingest lines to one growing buffer (one per Kafka batch). */
export class TsvOut {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `extra` more bytes. int, bytes and byte write unchecked: their caller reserved the room. */
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    this.grow(extra);
  }

  private grow(extra: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  ascii(text: string): void {
    this.ensure(text.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < text.length; i++) b[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /** A safe integer in decimal, as String() writes it (no call into the runtime, no string). */
  int(value: number): void {
    const b = this.buf;
    let n = value;
    if (n < 0) {
      b[this.pos++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      b[this.pos++] = 0x30 + n;
      return;
    }
    // digits by comparison (powers of ten are exact up to 1e22), then the low ones in 32-bit integer arithmetic
    let digits = 2;
    for (let power = 100; n >= power; power *= 10) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (; n > 0x7fffffff; n = Math.floor(n / 10)) b[--p] = 0x30 + (n % 10);
    for (let m = n | 0; m > 0; m = (m / 10) | 0) b[--p] = 0x30 + (m % 10);
  }

  utf8(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.ensure(bytes);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  bytes(src: Buffer, start: number, end: number): void {
    if (end - start < 48) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i] as number;
      this.pos = p;
    } else this.pos += src.copy(this.buf, this.pos, start, end);
  }

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  /** The lines written so far (a view, not a copy: the next batch starts a new TsvOut). */
  done(): Buffer {
    // Unchecked writes past a reservation would have been dropped: fail loudly rather than insert cut lines.
    if (this.pos > this.buf.length) throw new Error(`TsvOut: wrote ${this.pos} bytes into ${this.buf.length} reserved`);
    return this.buf.subarray(0, this.pos);
  }
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
        if (branch !== 2) return false; // zigzag 1: the second branch; anything else is for the generic path
        kind = kind === NULL_STR ? STR : NUM;
      }
      if (kind === BOOL) {
        const b = value[pos++];
        if (b !== 0 && b !== 1) return false;
        nums[i] = b;
        continue;
      }
      if (kind === STR_ARRAY) {
        starts[i] = pos;
        pos = skipStringArray(value, pos, end);
        if (pos < 0) return false;
        ends[i] = pos;
        continue;
      }
      const number = readLong(value, pos, end);
      if (Number.isNaN(number)) return false;
      pos = cursor.pos;
      if (kind === NUM) {
        nums[i] = number;
        continue;
      }
      // a string: its bytes must be plain ASCII the line can hold unescaped
      const stop = pos + number;
      if (number < 0 || stop > end) return false;
      const detail = field.detailKey !== null;
      for (let p = pos; p < stop; p++) {
        const c = value[p] as number;
        if (c < 0x20 || c >= 0x7f || c === BACKSLASH || (detail && c === QUOTE)) return false;
      }
      starts[i] = pos;
      ends[i] = stop;
      pos = stop;
    }
    if (pos !== end) return false;
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
