import { SUPPRESSING_FEEDBACK_TYPES } from '../../lib/domain/bounces/feedback-types';
import { sql, tuple } from '../../lib/platform/clickhouse/sql';
import { EMAIL_SCOPE, EVENT_RANGE, emailJourneyVariable, emailTileVariable, EMAIL_KPI_TABLE, emailVariable, intervalStart, workspaceVariable } from './dashboard-sql';
import { EMAIL_KPI, GLOSSARY_WHERE } from './email-panels';
import { dashboard, type Dashboard, type PanelSpec } from './grafana-model';

/** Gmail's and Yahoo's bulk-sender rule (2024): keep the spam complaint rate below 0.3 % of delivered mail. */
export const COMPLAINT_RATE_CEILING = 0.003;

const COMPLAINT_RATE = `round((${EMAIL_KPI.feedbackLoops}) / greatest(1, ${EMAIL_KPI.delivered}), 6)`;
const BOUNCE_RATE = `round((${EMAIL_KPI.bouncedTotal}) / greatest(1, ${EMAIL_KPI.sent}), 6)`;

const ratesSql = [
  `SELECT ${EMAIL_KPI.sent} AS Sent, ${EMAIL_KPI.delivered} AS Delivered, ${EMAIL_KPI.bouncedTotal} AS Bounced,`,
  `${BOUNCE_RATE} AS \`Bounce rate\`, ${EMAIL_KPI.feedbackLoops} AS \`Feedback loops\`, ${COMPLAINT_RATE} AS \`Complaint rate\``,
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE}`,
].join(' ');

const complaintRateSql = `SELECT toStartOfDay(bucket) AS time, ${COMPLAINT_RATE} AS complaint_rate FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} GROUP BY time ORDER BY time`;

const bouncesOverTimeSql = [
  `SELECT ${intervalStart('bucket', 900)} AS time, ${EMAIL_KPI.bouncedHard} AS hard, ${EMAIL_KPI.bouncedSoft} AS soft, ${EMAIL_KPI.bouncedOther} AS other`,
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} GROUP BY time ORDER BY time`,
].join(' ');

/** Bounce classes as the email KPI table maps them (0090, 0130): hard, soft, anything else is other. */
const BOUNCE_CLASS = "multiIf(bounce_class IN ('hard', 'soft'), bounce_class, 'other')";
const RAW_SCOPE = `${EMAIL_SCOPE} AND ${EVENT_RANGE}`;
const DIAGNOSTIC = "visitParamExtractString(detail, 'diagnostic')";

/**
 * Per destination domain (the send event's recipient_domain; the glossary tables have no domain): messages sent or
 * bounced in the range, and bounced messages by class. A send is looked up up to 31 days before the range; an attempt
 * to a suppressed address has no send, so its domain is (unknown).
 */
const domainsSql = [
  "SELECT if(domain = '', '(unknown)', domain) AS destination_domain, uniqExact(message_id) AS messages,",
  "uniqExactIf(message_id, event_type = 'bounce') AS bounced,",
  `uniqExactIf(message_id, event_type = 'bounce' AND ${BOUNCE_CLASS} = 'hard') AS hard, uniqExactIf(message_id, event_type = 'bounce' AND ${BOUNCE_CLASS} = 'soft') AS soft,`,
  `uniqExactIf(message_id, event_type = 'bounce' AND ${BOUNCE_CLASS} = 'other') AS other, round(bounced / messages, 4) AS bounce_rate`,
  `FROM (SELECT message_id, event_type, bounce_class FROM events_raw WHERE ${RAW_SCOPE} AND event_type IN ('send', 'bounce')) AS events`,
  "ANY LEFT JOIN (SELECT message_id, any(visitParamExtractString(detail, 'recipient_domain')) AS domain FROM events_raw",
  `WHERE ${EMAIL_SCOPE} AND event_type = 'send' AND event_date BETWEEN toDate($__fromTime) - 31 AND toDate($__toTime) + 1 GROUP BY message_id) AS sends USING message_id`,
  'GROUP BY destination_domain ORDER BY bounced DESC, messages DESC, destination_domain LIMIT 50',
].join(' ');

const statusSql = [
  `SELECT ${BOUNCE_CLASS} AS class, if(enhanced_status = '', '(none)', enhanced_status) AS status, uniqExact(message_id) AS messages`,
  `FROM events_raw WHERE ${RAW_SCOPE} AND event_type = 'bounce' GROUP BY class, status ORDER BY messages DESC, class, status LIMIT 30`,
].join(' ');

/**
 * A message the sender did not hand to SMTP because the address is suppressed, in each shape the sender may write
 * (docs/clickhouse.md "Suppressed addresses"): a bounce whose diagnostic names the suppression, a complaint reported
 * by cairn-sender, or (older) blocked with reason suppressed_bounce / suppressed_complaint.
 */
const SUPPRESSED_BOUNCE = `((event_type = 'bounce' AND startsWith(${DIAGNOSTIC}, 'suppressed:')) OR (event_type = 'blocked' AND reason = 'suppressed_bounce'))`;
const SUPPRESSED_COMPLAINT = "((event_type = 'complaint' AND visitParamExtractString(detail, 'reporter') = 'cairn-sender') OR (event_type = 'blocked' AND reason = 'suppressed_complaint'))";

const suppressedOverTimeSql = [
  `SELECT ${intervalStart('event_time', 900)} AS time, uniqExactIf(message_id, ${SUPPRESSED_BOUNCE}) AS suppressed_by_bounces,`,
  `uniqExactIf(message_id, ${SUPPRESSED_COMPLAINT}) AS suppressed_by_complaint FROM events_raw WHERE ${RAW_SCOPE}`,
  "AND event_type IN ('bounce', 'complaint', 'blocked') GROUP BY time ORDER BY time",
].join(' ');

/** The ARF types that suppress the address (lib/domain/bounces/feedback-types.ts: abuse, fraud). */
const SUPPRESSING_TYPES = sql`${tuple([...SUPPRESSING_FEEDBACK_TYPES])}`.text;

/** What feeds the suppression list (PostgreSQL address_suppressions), and the policy blocks that deliberately do not. */
const suppressionInputsSql = [
  'SELECT tupleElement(pair, 1) AS input, tupleElement(pair, 2) AS messages FROM (SELECT arrayJoin([',
  `('hard bounce: address suppressed for six months', uniqExactIf(message_id, event_type = 'bounce' AND bounce_class = 'hard' AND NOT ${SUPPRESSED_BOUNCE} AND visitParamExtractBool(detail, 'policy_block') = 0)),`,
  `('spam complaint: address suppressed', uniqExactIf(message_id, event_type = 'complaint' AND lower(reason) IN ${SUPPRESSING_TYPES} AND NOT ${SUPPRESSED_COMPLAINT})),`,
  `('soft or other bounce: one toward five in a row', uniqExactIf(message_id, event_type = 'bounce' AND bounce_class != 'hard' AND visitParamExtractBool(detail, 'policy_block') = 0)),`,
  "('policy block: sender alerted, recipient not suppressed', uniqExactIf(message_id, event_type = 'bounce' AND visitParamExtractBool(detail, 'policy_block') = 1)),",
  `('attempt to a suppressed address', uniqExactIf(message_id, ${SUPPRESSED_BOUNCE} OR ${SUPPRESSED_COMPLAINT}))]) AS pair`,
  `FROM events_raw WHERE ${RAW_SCOPE} AND event_type IN ('bounce', 'complaint', 'blocked'))`,
].join(' ');

const percent = [{ matcher: { id: 'byRegexp', options: '.*rate' }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 2 }] }];
const ceilingThresholds = { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.001 }, { color: 'red', value: COMPLAINT_RATE_CEILING }] };

const panels: PanelSpec[] = [
  {
    type: 'stat', title: 'Deliverability', w: 24, h: 4, sql: ratesSql, overrides: [
      { matcher: { id: 'byName', options: 'Bounce rate' }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 2 }] },
      { matcher: { id: 'byName', options: 'Complaint rate' }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 3 }, { id: 'thresholds', value: ceilingThresholds }, { id: 'color', value: { mode: 'thresholds' } }] },
    ],
    description: 'Messages (docs/kpis.md). Bounce rate = Bounced ÷ Sent; complaint rate = Feedback loops ÷ Delivered, red from the 0.3 % bulk-sender ceiling (orange from the recommended 0.1 %).',
  },
  {
    type: 'timeseries', title: 'Complaint rate per day against the 0.3 % bulk-sender ceiling', w: 12, h: 9, sql: complaintRateSql,
    defaults: { unit: 'percentunit', decimals: 3, min: 0, thresholds: ceilingThresholds, custom: { thresholdsStyle: { mode: 'line+area' } } },
    description: 'Feedback loops ÷ Delivered for each UTC day; the red line is the 0.3 % ceiling Gmail and Yahoo enforce for bulk senders.',
  },
  { type: 'timeseries', title: 'Bounced messages by class over time', w: 12, h: 9, sql: bouncesOverTimeSql, description: 'Messages per class per interval (15 minutes at least); attempts to hard-bounce-suppressed addresses are hard bounces.' },
  { type: 'table', title: 'Bounces by destination domain', w: 14, h: 9, sql: domainsSql, overrides: percent, description: 'From the raw events: each message\'s domain is its send event\'s recipient_domain (attempts to suppressed addresses have no send: (unknown)).' },
  { type: 'table', title: 'Bounces by enhanced status code', w: 10, h: 9, sql: statusSql, description: 'Bounced messages by class and RFC 3463 enhanced status.' },
  { type: 'timeseries', title: 'Attempts to suppressed addresses over time', w: 12, h: 8, sql: suppressedOverTimeSql, description: 'Messages not handed to SMTP because the address is suppressed (counted in Sent as a hard bounce or a feedback loop).' },
  { type: 'table', title: 'Suppression list inputs', w: 12, h: 8, sql: suppressionInputsSql, description: 'The list itself lives in PostgreSQL (address_suppressions); these are the events that add to it, and those that deliberately do not.' },
];

export function deliverabilityDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-deliverability',
    title: 'Cairn — deliverability',
    description: 'Bounces by class and destination domain, the complaint rate against the 0.3 % bulk-sender ceiling, and suppressions.',
    variables: [workspaceVariable(), emailVariable(true), emailJourneyVariable(), emailTileVariable()],
    panels,
  });
}
