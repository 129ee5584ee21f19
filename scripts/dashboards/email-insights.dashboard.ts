import { emailJourneyVariable, emailTileVariable, EMAIL_KPI_TABLE, emailVariable, intervalStart, workspaceVariable } from './dashboard-sql';
import { DELIVERY_KPIS_SQL, EMAIL_KPI, GEOGRAPHY_SQL, GLOSSARY_WHERE, NOT_COUNTED_COMPLAINT, RESPONSE_KPIS_SQL, topLinksPanel } from './email-panels';
import { dashboard, type Dashboard, type PanelSpec } from './grafana-model';

const funnelSql = [
  'SELECT tupleElement(pair, 1) AS stage, tupleElement(pair, 2) AS messages FROM (SELECT arrayJoin([',
  `('1 Targeted', toUInt64(${EMAIL_KPI.targeted})), ('2 Sent', toUInt64(${EMAIL_KPI.sent})),`,
  `('3 Delivered', toUInt64(${EMAIL_KPI.delivered})), ('4 Opened (unique)', toUInt64(${EMAIL_KPI.openedUnique})),`,
  `('5 Clicked (unique)', toUInt64(${EMAIL_KPI.clickedUnique}))]) AS pair FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE})`,
].join(' ');

const outcomesSql = [
  'SELECT tupleElement(pair, 1) AS outcome, tupleElement(pair, 2) AS messages FROM (SELECT arrayJoin([',
  `('Delivered', toUInt64(${EMAIL_KPI.delivered})), ('Bounced (hard)', toUInt64(${EMAIL_KPI.bouncedHard})),`,
  `('Bounced (soft)', toUInt64(${EMAIL_KPI.bouncedSoft})), ('Bounced (other)', toUInt64(${EMAIL_KPI.bouncedOther})),`,
  `('Blocked', toUInt64(${EMAIL_KPI.blocked})), ('Sending failed', toUInt64(${EMAIL_KPI.sendingFailed}))]) AS pair`,
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE})`,
].join(' ');

const responsesOverTimeSql = [
  `SELECT ${intervalStart('bucket', 900)} AS time,`,
  "uniqExactMergeIf(events, metric = 'open') AS opened, uniqExactMergeIf(messages, metric = 'open') AS opened_unique,",
  "uniqExactMergeIf(events, metric = 'click') AS clicked, uniqExactMergeIf(messages, metric = 'click') AS clicked_unique,",
  "uniqExactMergeIf(messages, metric = 'unsubscribe') AS unsubscribed",
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND machine = 0 AND metric IN ('open', 'click', 'unsubscribe') GROUP BY time ORDER BY time`,
].join(' ');

/** One breakdown of the glossary table (blocked reasons, unsubscribe methods, ARF types not counted). */
const breakdownSql = (rows: string, label: string, count: 'events' | 'messages'): string =>
  `SELECT breakdown AS ${label}, uniqExactMerge(${count}) AS ${count} FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND ${rows} AND machine = 0 GROUP BY breakdown ORDER BY ${count} DESC, ${label}`;

const machineSql = `SELECT metric, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND machine = 1 GROUP BY metric ORDER BY metric`;

const panels: PanelSpec[] = [
  {
    type: 'stat', title: 'Delivery', w: 24, h: 4, sql: DELIVERY_KPIS_SQL,
    description: 'Messages. Targeted = Sent + Blocked; Sent includes bounced messages and attempts to suppressed addresses; Delivered = Sent − Bounced (total); Sending failed is beside Sent, not in it (docs/kpis.md).',
  },
  {
    type: 'stat', title: 'Responses (human)', w: 24, h: 4, sql: RESPONSE_KPIS_SQL,
    description: 'Unique = messages, total = events; machine traffic (scanners, privacy proxies, prefetch) is left out. Did not open counts delivered messages without a human open. Forwarded counts the addresses submitted.',
  },
  {
    type: 'barchart', title: 'Delivery funnel', w: 12, h: 8, sql: funnelSql,
    description: 'Targeted → Sent → Delivered → Opened (unique) → Clicked (unique), in messages.',
  },
  {
    type: 'barchart', title: 'Where each targeted message ended', w: 12, h: 8, sql: outcomesSql,
    description: 'Delivered, bounced by class (a message with reports of two classes is in both), blocked, and failed in the sender.',
  },
  {
    type: 'timeseries', title: 'Responses over time (human)', w: 12, h: 9, sql: responsesOverTimeSql,
    description: 'Per Grafana interval (15 minutes at least): opens and clicks (total = events, unique = messages), unsubscribed messages.',
  },
  topLinksPanel(12),
  { type: 'table', title: 'Blocked by reason', w: 8, h: 7, sql: breakdownSql("metric = 'blocked'", 'reason', 'messages'), description: 'The email KPI Blocked: do not bulk email, missing, invalid or blocklisted address, role address where the workspace blocks them (not journey blocking).' },
  { type: 'table', title: 'Unsubscribed by method', w: 8, h: 7, sql: breakdownSql("metric = 'unsubscribe'", 'method', 'messages'), description: 'Messages per method; a message unsubscribed two ways is under both and once in Unsubscribed.' },
  { type: 'table', title: 'Feedback reports not counted', w: 8, h: 7, sql: breakdownSql(NOT_COUNTED_COMPLAINT, 'feedback_type', 'events'), description: 'ARF reports other than abuse and fraud (virus, other, not-spam): recorded, not Feedback loops (docs/kpis.md).' },
  {
    type: 'table', title: 'Opens and clicks by country (human)', w: 24, h: 7, sql: GEOGRAPHY_SQL,
    description: 'By the country of the client address at ingest (kpi_email_geography); (unknown): IPv6, private or recorded before geography. A message opened from two countries is a unique open in each. Every tile of the journey: geography is not split by tile. Includes IP2Location LITE data available from https://lite.ip2location.com',
  },
  { type: 'table', title: 'Machine traffic (kept, not in human KPIs)', w: 24, h: 6, sql: machineSql, description: 'Events flagged as machine traffic, by metric.' },
];

export function emailInsightsDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-email-insights',
    title: 'Cairn — email insights',
    description: 'One email\'s KPIs as the insights API serves them (docs/kpis.md), over kpi_email_tile_glossary, optionally for one tile of the journey.',
    variables: [workspaceVariable(), emailVariable(false), emailJourneyVariable(), emailTileVariable()],
    panels,
  });
}
