import type { SchemaVersion } from '../../lib/contracts/events/event-codec';
import { RANGE_OF } from '../../lib/contracts/events/event-ranges';
import { ROW_COLUMNS } from './event-row';
import { escapeTsv, INGEST_COLUMNS } from './ingest-tsv';

/**
 * The fast path's plan for one schema (avro-tsv.ts): each field's kind and where it goes in the events_ingest
 * line, made once per schema when the transcoder is built, so the per-message code only follows it.
 */

export const STR = 0;
export const NULL_STR = 1;
export const NUM = 2; // int and long (avsc decodes both to a number, unchecked against the int range)
export const NULL_NUM = 3;
export const BOOL = 4;
export const STR_ARRAY = 5;
export type Kind = typeof STR | typeof NULL_STR | typeof NUM | typeof NULL_NUM | typeof BOOL | typeof STR_ARRAY;

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

export interface Field {
  kind: Kind;
  /** `"name":` for a field that goes to `detail`, else null */
  detailKey: Buffer | null;
}

export interface Plan {
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

/** a safe integer in decimal: a sign and 16 digits */
const MAX_INT_CHARS = 17;
export const COLUMN_COUNT = INGEST_COLUMNS.length;
const COLUMN_INDEX = new Map<string, number>(INGEST_COLUMNS.map((column, i) => [column, i]));
const col = (name: (typeof INGEST_COLUMNS)[number]): number => COLUMN_INDEX.get(name) ?? -1;
export const C = {
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
export const NUMERIC = Uint8Array.from(INGEST_COLUMNS, (column) => (NUMERIC_COLUMNS.has(column) ? 1 : 0));

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

interface FieldsPlan {
  fields: Field[];
  source: Int16Array;
  timeField: number;
  ranged: [number, number, number][];
}

type DeclaredField = { name: string; type: unknown };

/** A plan for one schema, or null when it has a shape the fast path does not cover (the generic path takes it). */
export function planFor(schema: SchemaVersion): Plan | null {
  const json = schema.type.schema() as { fields?: DeclaredField[] };
  const declared = json.fields ?? [];
  const placed = fieldsOf(declared);
  if (placed === null || placed.timeField < 0) return null;
  const { fields, source, timeField, ranged } = placed;
  const reasonFields = reasonFieldsOf(declared, fields);
  if (reasonFields === null) return null;
  const eventType = Buffer.from(escapeTsv(schema.eventType), 'latin1');
  return {
    eventType,
    fields,
    source,
    timeField,
    ranged,
    reasonFields,
    hasDetail: fields.some((f) => f.detailKey),
    fixedBytes: fixedBytesOf(eventType, fields),
  };
}

/** Each field's kind and where it goes (its column, event_time, or the detail), or null for a shape not covered. */
function fieldsOf(declared: readonly DeclaredField[]): FieldsPlan | null {
  const fields: Field[] = [];
  const source = new Int16Array(COLUMN_COUNT).fill(-1);
  let timeField = -1;
  const ranged: [number, number, number][] = [];
  for (const [i, field] of declared.entries()) {
    const kind = kindOf(field.type);
    if (kind === null) return null;
    const range = field.name === 'event_time' ? undefined : RANGE_OF.get(field.name);
    if (range) ranged.push([i, range.min, range.max]);
    const column = ROW_COLUMNS.has(field.name) ? COLUMN_INDEX.get(field.name) : undefined;
    if (field.name === 'event_time') {
      if (kind !== NUM) return null;
      timeField = i;
    } else if (column !== undefined && !DERIVED.has(field.name)) {
      if (!fitsColumn(field.name, kind)) return null;
      source[column] = i;
    } else if (field.name === 'reason' && kind !== STR && kind !== NULL_STR) return null;
    fields.push({
      kind,
      detailKey: ROW_COLUMNS.has(field.name) ? null : Buffer.from(`${JSON.stringify(field.name)}:`, 'latin1'),
    });
  }
  return { fields, source, timeField, ranged };
}

/** Whether a field of this kind can be copied to its column as it is. */
function fitsColumn(name: string, kind: Kind): boolean {
  if (name === 'machine') return kind === BOOL;
  if (NUMERIC_COLUMNS.has(name)) return kind === NUM || kind === NULL_NUM;
  return kind === STR || kind === NULL_STR;
}

/** The fields toRawRow takes the reason from, in its order; null when one of them is not a string. */
function reasonFieldsOf(declared: readonly DeclaredField[], fields: readonly Field[]): number[] | null {
  const reasonFields: number[] = [];
  for (const name of REASON_SOURCES) {
    const i = declared.findIndex((field) => field.name === name);
    if (i < 0) continue;
    const kind = fields[i]?.kind;
    if (kind !== STR && kind !== NULL_STR) return null;
    reasonFields.push(i);
  }
  return reasonFields;
}

/**
 * Per column a tab and at most a 17-character number; the event type, the time stamps and the detail's keys,
 * braces, commas, quotes and booleans. What comes from the message itself is bounded in lineBound.
 */
function fixedBytesOf(eventType: Buffer, fields: readonly Field[]): number {
  const detailKeys = fields.reduce((sum, field) => sum + (field.detailKey?.length ?? 0), 0);
  return (
    COLUMN_COUNT * (1 + MAX_INT_CHARS) +
    1 +
    eventType.length +
    19 +
    10 +
    detailKeys +
    fields.length * (3 + 5 + MAX_INT_CHARS) +
    2
  );
}

/**
 * The most bytes a message's line can take: each string of the message is copied at most twice (its column and
 * the detail, or the reason and its column), a string array item gains at most three bytes (quotes, comma) over
 * its Avro encoding (at least one length byte); every column's number is in fixedBytes.
 */
export function lineBound(plan: Plan, value: Buffer, topic: Buffer): number {
  return plan.fixedBytes + 4 * value.length + topic.length;
}
