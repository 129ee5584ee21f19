import { EMAIL_KPI_COUNTS } from '../../services/api/insights/email-kpis';
import { COUNTED_FEEDBACK_TYPES } from '../../lib/domain/bounces/feedback-types';
import { tuple, sql } from '../../lib/platform/clickhouse/sql';
import { BUCKET_RANGE, EMAIL_JOURNEY_SCOPE, EMAIL_KPI_TABLE, EMAIL_SCOPE, EVENT_RANGE, optionalEquals, WORKSPACE } from './dashboard-sql';
import type { PanelSpec } from './grafana-model';

/*
 * Email KPI SQL for the dashboards, built from services/api/insights/email-kpis.ts's expressions (EMAIL_KPI_COUNTS), so a
 * panel counts exactly what the insights API counts. The identities are docs/kpis.md#identities:
 * Targeted = Sent + Blocked, Delivered = Sent - TotalBounced, Did not open = |Sent ∪ Opened| - |Bounced ∪ Opened|,
 * Sending failed = |Failed ∪ Sent| - |Sent|, as emailInsights() computes them.
 */

const k = (name: keyof typeof EMAIL_KPI_COUNTS): string => EMAIL_KPI_COUNTS[name].text;

export const EMAIL_KPI = {
  targeted: `${k('sent')} + ${k('blocked')}`,
  sent: k('sent'),
  delivered: `${k('sent')} - ${k('bouncedTotal')}`,
  blocked: k('blocked'),
  bouncedTotal: k('bouncedTotal'),
  bouncedHard: k('bouncedHard'),
  bouncedSoft: k('bouncedSoft'),
  bouncedOther: k('bouncedOther'),
  sendingFailed: `${k('sentOrFailed')} - ${k('sent')}`,
  openedUnique: k('openedUnique'),
  openedTotal: k('openedTotal'),
  didNotOpen: `${k('sentOrOpened')} - ${k('bouncedOrOpened')}`,
  machineOnlyOpened: `${k('openedOrMachineOpened')} - ${k('openedUnique')}`,
  clickedUnique: k('clickedUnique'),
  clickedTotal: k('clickedTotal'),
  attachmentViewsUnique: k('attachmentViewsUnique'),
  unsubscribed: k('unsubscribed'),
  subscriptionSubmitted: k('subscriptionSubmitted'),
  feedbackLoops: k('feedbackLoops'),
  generatedLeads: k('generatedLeads'),
  machineOpens: k('machineOpens'),
  machineClicks: k('machineClicks'),
} as const;

/**
 * ARF reports recorded and not counted as Feedback loops, by type: the complaints whose type the one decision
 * (lib/domain/bounces/feedback-types.ts, docs/kpis.md#feedback-loops) does not count.
 */
export const NOT_COUNTED_COMPLAINT = sql`metric = 'complaint' AND breakdown NOT IN ${tuple([...COUNTED_FEEDBACK_TYPES])}`.text;

/** The email rows of the dashboard's scope and time range. */
export const GLOSSARY_WHERE = `${EMAIL_SCOPE} AND ${BUCKET_RANGE}`;

/** Forwarded: the addresses submitted, Σ friend_count (the breakdown) over distinct human forward events. */
export const FORWARDED_ADDRESSES = `(SELECT sum(toUInt64OrZero(breakdown) * forwards) FROM (SELECT breakdown, uniqExactMerge(events) AS forwards FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND metric = 'forward' AND machine = 0 GROUP BY breakdown))`;

const select = (columns: Record<string, string>): string =>
  `SELECT ${Object.entries(columns).map(([label, expr]) => `${expr} AS \`${label}\``).join(', ')} FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE}`;

export const DELIVERY_KPIS_SQL = select({
  Targeted: EMAIL_KPI.targeted,
  Sent: EMAIL_KPI.sent,
  Delivered: EMAIL_KPI.delivered,
  Blocked: EMAIL_KPI.blocked,
  'Bounced (total)': EMAIL_KPI.bouncedTotal,
  'Sending failed': EMAIL_KPI.sendingFailed,
});

export const RESPONSE_KPIS_SQL = select({
  'Opened (unique)': EMAIL_KPI.openedUnique,
  'Opened (total)': EMAIL_KPI.openedTotal,
  'Did not open': EMAIL_KPI.didNotOpen,
  'Clicked (unique)': EMAIL_KPI.clickedUnique,
  'Clicked (total)': EMAIL_KPI.clickedTotal,
  Forwarded: FORWARDED_ADDRESSES,
  Unsubscribed: EMAIL_KPI.unsubscribed,
  'Subscription submitted': EMAIL_KPI.subscriptionSubmitted,
  'Feedback loops': EMAIL_KPI.feedbackLoops,
  'Generated leads': EMAIL_KPI.generatedLeads,
});

/**
 * Links by unique clicks, human clicks only; click-through rate as docs/kpis.md defines it: the link's unique
 * clicks ÷ all unique clicks of the message(s). The URL comes from the raw click events (the KPI rows key on link_id).
 */
export const TOP_LINKS_SQL = [
  'SELECT link_id, url, total_clicks, unique_clicks, round(unique_clicks / greatest(1, (SELECT uniqExactMerge(messages)',
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND metric = 'click' AND machine = 0)), 4) AS click_through_rate`,
  'FROM (SELECT breakdown AS link_id, uniqExactMerge(events) AS total_clicks, uniqExactMerge(messages) AS unique_clicks',
  `FROM ${EMAIL_KPI_TABLE} WHERE ${GLOSSARY_WHERE} AND metric = 'click' AND machine = 0 GROUP BY link_id) AS links`,
  `ANY LEFT JOIN (SELECT link_id, any(url) AS url FROM events_raw WHERE workspace_id = ${WORKSPACE} AND event_type = 'click'`,
  `AND ${optionalEquals('email_id', 'email_id')} AND ${EVENT_RANGE} GROUP BY link_id) AS urls USING link_id`,
  'ORDER BY unique_clicks DESC, link_id LIMIT 20',
].join(' ');

export const topLinksPanel = (w: number): PanelSpec => ({
  type: 'table',
  title: 'Top links (click-through rate = the link\'s unique clicks ÷ all unique clicks)',
  description: 'Human clicks on links (attachments are their own KPI). Unique clicks count messages; total clicks count click events.',
  sql: TOP_LINKS_SQL,
  w,
  h: 9,
  overrides: [{ matcher: { id: 'byName', options: 'click_through_rate' }, properties: [{ id: 'unit', value: 'percentunit' }] }],
});

/** Opens and clicks by country: the KPI card's expressions over kpi_email_geography, as GET .../geography counts them. */
export const GEOGRAPHY_SQL = [
  "SELECT if(country = '', '(unknown)', country) AS country_code,",
  `${EMAIL_KPI.openedUnique} AS opened_unique, ${EMAIL_KPI.openedTotal} AS opened_total,`,
  `${EMAIL_KPI.clickedUnique} AS clicked_unique, ${EMAIL_KPI.clickedTotal} AS clicked_total`,
  `FROM kpi_email_geography WHERE ${EMAIL_JOURNEY_SCOPE} AND ${BUCKET_RANGE} AND machine = 0 GROUP BY country`,
  "ORDER BY opened_unique DESC, clicked_unique DESC, country = '', country",
].join(' ');
