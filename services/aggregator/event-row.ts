import { formatDateTime } from '../../lib/platform/clickhouse/sql';
import { CairnError } from '../../lib/platform/errors';
import type { CairnEvent } from '../../lib/contracts/events/event-types';

/** One row of ClickHouse's events_raw: the wide, flat shape every KPI is recounted from. */
export interface RawEventRow {
  event_id: string;
  event_type: string;
  event_date: string;
  event_time: string;
  event_time_ms: number;
  workspace_id: string;
  contact_id: string;
  message_id: string;
  email_id: string;
  email_version: number;
  journey_id: string;
  tile_id: string;
  tile_type: string;
  iteration: number;
  machine: number;
  machine_reason: string;
  link_id: string;
  url: string;
  link_kind: string;
  reason: string;
  bounce_class: string;
  smtp_code: number;
  enhanced_status: string;
  path_id: string;
  detail: string;
}

/** Event fields with a column of their own in events_raw; every other field goes to `detail` as JSON. */
export const ROW_COLUMNS: ReadonlySet<string> = new Set([
  'event_id',
  'event_time',
  'workspace_id',
  'contact_id',
  'message_id',
  'email_id',
  'email_version',
  'journey_id',
  'tile_id',
  'tile_type',
  'iteration',
  'machine',
  'machine_reason',
  'link_id',
  'url',
  'link_kind',
  'reason',
  'bounce_class',
  'smtp_code',
  'enhanced_status',
  'path_id',
]);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

// Events arrive roughly in time order, so consecutive rows mostly share a second: format it once.
let lastSecond = Number.NaN;
let lastStamp = '';
/** 'YYYY-MM-DD hh:mm:ss' (UTC) of a millisecond time, formatted once per second. */
export function stampOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastStamp = formatDateTime(new Date(ms));
    lastSecond = second;
  }
  return lastStamp;
}

/** The event's fields without a column of their own, as JSON ('' when none): kept in events_raw.detail. */
function detailOf(data: Record<string, unknown>): string {
  let rest: Record<string, unknown> | undefined;
  // Object.keys, not entries: the decoder's records share a shape, and no [key, value] pair is allocated per field.
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (value !== null && value !== undefined && !ROW_COLUMNS.has(key)) (rest ??= {})[key] = value;
  }
  return rest ? JSON.stringify(rest) : '';
}

export function toRawRow(event: CairnEvent): RawEventRow {
  const data = event.data as unknown as Record<string, unknown>;
  const ms = new Date(count(data.event_time)).getTime();
  // Beyond JavaScript's dates (±275,000 years): no row can hold it; the aggregator dead-letters the message.
  if (Number.isNaN(ms)) throw new CairnError('EVENT_INVALID', `event_time ${String(data.event_time)} is not a time`);
  const stamp = stampOf(ms);
  // NOTE: the aggregator's fast path (services/aggregator/avro-tsv.ts) derives the same columns straight from the
  // Avro bytes; its tests hold both to identical output, so a change here must be mirrored there.
  return {
    event_id: text(data.event_id),
    event_type: event.type,
    event_date: stamp.slice(0, 10),
    event_time: stamp,
    event_time_ms: ms,
    workspace_id: text(data.workspace_id),
    contact_id: text(data.contact_id),
    message_id: text(data.message_id),
    email_id: text(data.email_id),
    email_version: count(data.email_version),
    journey_id: text(data.journey_id),
    tile_id: text(data.tile_id),
    tile_type: text(data.tile_type),
    iteration: count(data.iteration),
    machine: data.machine === true ? 1 : 0,
    machine_reason: text(data.machine_reason),
    link_id: text(data.link_id),
    url: text(data.url),
    link_kind: text(data.link_kind),
    reason: text(data.reason) || text(data.error_code) || text(data.feedback_type),
    bounce_class: text(data.bounce_class),
    smtp_code: count(data.smtp_code),
    enhanced_status: text(data.enhanced_status),
    path_id: text(data.path_id),
    detail: detailOf(data),
  };
}
