import { BUCKET_RANGE, EMAIL_SCOPE, EVENT_RANGE, emailJourneyVariable, emailTileVariable, EMAIL_KPI_TABLE, emailVariable, intervalStart, WORKSPACE, workspaceVariable } from './dashboard-sql';
import { GLOSSARY_WHERE, topLinksPanel } from './email-panels';
import { dashboard, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * Opens and clicks placed in the recipient's local time. ClickHouse (18.16 and current) takes a time zone only as a
 * constant, so a per-row zone is applied as an offset: contact_time_zones gives each contact's IANA zone and
 * time_zone_offsets each zone's UTC offset from every transition on (both from sql/clickhouse/0120, filled by
 * services/aggregator/time-zone-sync.main.ts). An event whose contact has no known zone stays in UTC.
 * Opens and clicks here are the insights' human events: Opened (total) and Clicked (total) count distinct human
 * open events and human clicks on links (attachments excluded), as the email KPI table (kpi_email_tile_glossary) does.
 */

const ENGAGEMENT_EVENTS = "(event_type = 'open' OR (event_type = 'click' AND link_kind != 'attachment'))";
const ZONE_OF_CONTACT = `SELECT contact_id, argMax(time_zone, updated_at) AS time_zone FROM contact_time_zones WHERE workspace_id = ${WORKSPACE} GROUP BY contact_id`;
const SORTED_TRANSITIONS = 'arraySort(groupArray((valid_from, offset_seconds)))';
const OFFSETS_OF_ZONE = [
  `SELECT time_zone, arrayMap(p -> tupleElement(p, 1), ${SORTED_TRANSITIONS}) AS starts,`,
  `arrayMap(p -> tupleElement(p, 2), ${SORTED_TRANSITIONS}) AS offsets FROM time_zone_offsets GROUP BY time_zone`,
].join(' ');

/** Human opens and link clicks of the scope with local_time (the recipient's wall clock, as a UTC DateTime). */
const LOCAL_EVENTS = [
  'SELECT event_id, event_type, time_zone, event_time + offsets[greatest(1, arrayCount(s -> s <= event_time, starts))] AS local_time FROM',
  '(SELECT event_id, event_type, event_time, time_zone FROM',
  `(SELECT event_id, event_type, event_time, contact_id FROM events_raw WHERE ${EMAIL_SCOPE} AND ${EVENT_RANGE} AND machine = 0 AND ${ENGAGEMENT_EVENTS}) AS events`,
  `ANY LEFT JOIN (${ZONE_OF_CONTACT}) AS zones USING contact_id) AS located`,
  `ANY LEFT JOIN (${OFFSETS_OF_ZONE}) AS zone_offsets USING time_zone`,
].join(' ');

const COUNTS = "uniqExactIf(event_id, event_type = 'open') AS opens, uniqExactIf(event_id, event_type = 'click') AS clicks";
const WEEKDAY = "concat(toString(toDayOfWeek(toTimeZone(local_time, 'UTC'))), ' ', ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][toDayOfWeek(toTimeZone(local_time, 'UTC'))])";

/** '09:00': a bar chart's x axis takes text, not numbers. */
const HOUR = "concat(if(toHour(local_time, 'UTC') < 10, '0', ''), toString(toHour(local_time, 'UTC')), ':00')";
const byHourSql = `SELECT ${HOUR} AS hour, ${COUNTS} FROM (${LOCAL_EVENTS}) GROUP BY hour ORDER BY hour`;
const byWeekdaySql = `SELECT ${WEEKDAY} AS weekday, ${COUNTS} FROM (${LOCAL_EVENTS}) GROUP BY weekday ORDER BY weekday`;

const hourColumns = Array.from({ length: 24 }, (_, hour) => `uniqExactIf(event_id, toHour(local_time, 'UTC') = ${hour}) AS \`${String(hour).padStart(2, '0')}\``).join(', ');
const gridSql = `SELECT ${WEEKDAY} AS weekday, ${hourColumns} FROM (${LOCAL_EVENTS}) WHERE event_type = 'open' GROUP BY weekday ORDER BY weekday`;

const zonesSql = [
  "SELECT if(time_zone = '', '(unknown: shown in UTC)', time_zone) AS recipient_time_zone,", COUNTS,
  `FROM (${LOCAL_EVENTS}) GROUP BY recipient_time_zone ORDER BY opens + clicks DESC, recipient_time_zone LIMIT 20`,
].join(' ');

const humanMachineSql = [
  "SELECT metric, uniqExactMergeIf(events, machine = 0) AS human_events, uniqExactMergeIf(events, machine = 1) AS machine_events,",
  'uniqExactMergeIf(messages, machine = 0) AS human_messages, uniqExactMergeIf(messages, machine = 1) AS machine_messages',
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND metric IN ('open', 'click') GROUP BY metric ORDER BY metric`,
].join(' ');

const humanMachineOverTimeSql = [
  `SELECT ${intervalStart('bucket', 900)} AS time,`,
  "uniqExactMergeIf(events, metric = 'open' AND machine = 0) AS human_opens, uniqExactMergeIf(events, metric = 'open' AND machine = 1) AS machine_opens,",
  "uniqExactMergeIf(events, metric = 'click' AND machine = 0) AS human_clicks, uniqExactMergeIf(events, metric = 'click' AND machine = 1) AS machine_clicks",
  `FROM ${EMAIL_KPI_TABLE} WHERE ${EMAIL_SCOPE} AND ${BUCKET_RANGE} AND metric IN ('open', 'click') GROUP BY time ORDER BY time`,
].join(' ');

const machineReasonsSql = [
  "SELECT event_type, if(machine_reason = '', '(unspecified)', machine_reason) AS reason, uniqExact(event_id) AS events",
  `FROM events_raw WHERE ${EMAIL_SCOPE} AND ${EVENT_RANGE} AND machine = 1 AND event_type IN ('open', 'click')`,
  'GROUP BY event_type, reason ORDER BY events DESC, event_type, reason',
].join(' ');

const gridColors = { custom: { cellOptions: { type: 'color-background', mode: 'gradient' }, align: 'center' }, color: { mode: 'continuous-GrYlRd' } };

const panels: PanelSpec[] = [
  { type: 'barchart', title: 'Opens and clicks by hour of day (recipient\'s local time)', w: 12, h: 9, sql: byHourSql, description: 'Human opens and link clicks (events), by the hour on the recipient\'s clock.' },
  { type: 'barchart', title: 'Opens and clicks by weekday (recipient\'s local time)', w: 12, h: 9, sql: byWeekdaySql, description: 'Human opens and link clicks (events), by the weekday on the recipient\'s clock (ISO: 1 = Monday).' },
  {
    type: 'table', title: 'Opens by weekday and hour (recipient\'s local time)', w: 24, h: 8, sql: gridSql, description: 'Human open events per local weekday (rows) and hour (columns).',
    defaults: gridColors, overrides: [{ matcher: { id: 'byName', options: 'weekday' }, properties: [{ id: 'custom.cellOptions', value: { type: 'auto' } }] }],
  },
  { type: 'table', title: 'Recipients\' time zones', w: 8, h: 8, sql: zonesSql, description: 'Human opens and clicks by the recipient\'s time zone; contacts without a known zone are placed in UTC.' },
  { type: 'table', title: 'Human vs machine', w: 8, h: 8, sql: humanMachineSql, description: 'Opens and clicks (events and messages) by people and by machines (scanners, privacy proxies, prefetch): machine traffic is kept but out of every human KPI.' },
  { type: 'table', title: 'Machine traffic by reason', w: 8, h: 8, sql: machineReasonsSql, description: 'Why events were flagged as machine traffic.' },
  { type: 'timeseries', title: 'Human vs machine over time', w: 12, h: 9, sql: humanMachineOverTimeSql, description: 'Open and click events per interval (15 minutes at least), by people and by machines.' },
  topLinksPanel(12),
];

export function engagementDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-engagement',
    title: 'Cairn — engagement',
    description: 'When recipients open and click (in their own time zone), people vs machines, and the top links.',
    variables: [workspaceVariable(), emailVariable(true), emailJourneyVariable(), emailTileVariable()],
    panels,
  });
}
