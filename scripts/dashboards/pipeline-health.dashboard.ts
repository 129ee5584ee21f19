import { intervalStart, optionalEquals, workspaceVariable } from './dashboard-sql';
import { dashboard, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * The pipeline as ClickHouse sees it: rows reaching events_raw (inserted_at is the insert's now()), how long after the
 * event they got there, the Kafka offsets written, and the dead letters the aggregator refused (dead_letters, 0120).
 *
 * Lag = inserted_at − event_time. Ingest, the sender and the scheduler stamp event_time just before producing, so
 * for their events it is the produce-to-ClickHouse lag (a hit spooled while Kafka was down includes the spool time);
 * a batch POST that brings its own event_time adds the event's age. inserted_at has whole seconds.
 * Rows are selected by when they arrived; their event_date prunes partitions with a 31-day margin, so an event more
 * than a month older than the window when it arrives is not shown.
 */

const ARRIVED = `inserted_at BETWEEN $__fromTime AND $__toTime AND event_date >= toDate($__fromTime) - 31 AND ${optionalEquals('workspace_id', 'workspace_id')}`;
/** One row per event: a replay not merged yet by ReplacingMergeTree is not counted twice. */
const ARRIVALS = `SELECT event_id, event_type, inserted_at, (toInt64(toUInt32(inserted_at)) * 1000 - toInt64(event_time_ms)) / 1000 AS lag_seconds FROM events_raw WHERE ${ARRIVED} LIMIT 1 BY event_id`;

const eventsPerSecondSql = `SELECT ${intervalStart('inserted_at')} AS time, event_type, count() / greatest($__interval_s, 1) AS events_per_second FROM (${ARRIVALS}) GROUP BY time, event_type ORDER BY time, event_type`;

const lagOverTimeSql = [
  `SELECT ${intervalStart('inserted_at')} AS time, quantileExact(0.5)(lag_seconds) AS p50, quantileExact(0.99)(lag_seconds) AS p99, max(lag_seconds) AS max`,
  `FROM (${ARRIVALS}) GROUP BY time ORDER BY time`,
].join(' ');

const totalsSql = [
  'SELECT count() AS `Events arrived`, quantileExact(0.5)(lag_seconds) AS `Lag p50`, quantileExact(0.99)(lag_seconds) AS `Lag p99`,',
  `(SELECT uniqExact(original_topic, original_partition, original_offset) FROM dead_letters WHERE ${dlqRange()}) AS \`Dead letters\``,
  `FROM (${ARRIVALS})`,
].join(' ');

function dlqRange(): string {
  return 'day BETWEEN toDate($__fromTime) - 1 AND toDate($__toTime) + 1 AND dead_lettered_at BETWEEN $__fromTime AND $__toTime';
}

/**
 * A message dead-lettered twice (the aggregator died before its offset moved) is one dead letter: its Kafka position,
 * at the time of its latest copy (the copy ReplacingMergeTree keeps), so the numbers are the same before and after a merge.
 */
const DEAD_LETTERS = [
  'SELECT original_topic, original_partition, original_offset, max(dead_lettered_at) AS last_dead_lettered_at,',
  'argMax(error_code, dead_lettered_at) AS error_code, argMax(error_message, dead_lettered_at) AS error_message',
  `FROM dead_letters WHERE ${dlqRange()} GROUP BY original_topic, original_partition, original_offset`,
].join(' ');

const deadLettersOverTimeSql = [
  `SELECT ${intervalStart('last_dead_lettered_at')} AS time, error_code, count() AS dead_letters`,
  `FROM (${DEAD_LETTERS}) GROUP BY time, error_code ORDER BY time, error_code`,
].join(' ');

const deadLettersSql = `SELECT * FROM (${DEAD_LETTERS}) ORDER BY last_dead_lettered_at DESC, original_topic, original_partition, original_offset LIMIT 100`;

const ledgerSql = 'SELECT kafka_topic, kafka_partition, maxMerge(max_offset) AS written_up_to_offset FROM kafka_offsets GROUP BY kafka_topic, kafka_partition ORDER BY kafka_topic, kafka_partition';

const seconds = { unit: 's' };

const panels: PanelSpec[] = [
  { type: 'stat', title: 'In the time range', w: 24, h: 4, sql: totalsSql, overrides: [{ matcher: { id: 'byRegexp', options: 'Lag.*' }, properties: [{ id: 'unit', value: 's' }] }], description: 'Events that reached ClickHouse, their lag (p50, p99) and the messages dead-lettered.' },
  { type: 'timeseries', title: 'Events per second by type (arriving in ClickHouse)', w: 12, h: 9, sql: eventsPerSecondSql, defaults: { unit: 'ops' }, description: 'Distinct events written to events_raw per second, by event type, averaged over each interval.' },
  { type: 'timeseries', title: 'Produce → ClickHouse lag', w: 12, h: 9, sql: lagOverTimeSql, defaults: seconds, description: 'inserted_at − event_time per arriving event: p50, p99 and max per interval (whole seconds).' },
  { type: 'timeseries', title: 'Dead letters by error code', w: 12, h: 8, sql: deadLettersOverTimeSql, description: 'Messages the aggregator could not decode and sent to the dead-letter topic, by error code.' },
  { type: 'table', title: 'Kafka offsets written to ClickHouse', w: 12, h: 8, sql: ledgerSql, description: 'The aggregator\'s ledger: the highest Kafka offset in ClickHouse per topic and partition (it resumes from the next one).' },
  { type: 'table', title: 'Latest dead letters', w: 24, h: 8, sql: deadLettersSql, description: 'Original topic, partition and offset of each dead-lettered message (the bytes stay in the dead-letter topic), with the error.' },
];

export function pipelineHealthDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-pipeline-health',
    title: 'Cairn — pipeline health',
    description: 'Events per second by type, produce-to-ClickHouse lag, Kafka offsets written and dead letters.',
    variables: [workspaceVariable(true)],
    panels,
    refresh: '30s',
  });
}
