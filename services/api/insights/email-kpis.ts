import { ident, join, sql, tuple, type Sql } from '../../../lib/platform/clickhouse/sql';
import { emailWhere, num, type EmailFilter, type QueryRunner } from './insights-filters';
import type { DeliveryBreakdown, EmailKpis } from './insights-types';
import { kpiSource } from './kpi-source';
import { dataRecord } from '../../../lib/platform/own-property';

/*
 * Every email KPI, defined once, over kpi_email_glossary (sql/clickhouse/0090), each beside the docs/kpis.md entry it
 * implements. Cells are uniqExact states of event_id (events) and message_id (messages); merging the states of
 * several metrics counts each message once across them, so a message with two bounce reports (a DSN and a
 * webhook) is one bounced message, and set differences come from two unions: |A \ B| = |A ∪ B| - |B|.
 */

const BOUNCED = ['bounce_hard', 'bounce_soft', 'bounce_other'];
/** a complaint (counted, spam) is only ever about a sent message; a suppressed attempt has no send event */
const SENT = ['send', ...BOUNCED, 'complaint'];

const anyOf = (metrics: string[]): Sql => sql`metric IN ${tuple(metrics)}`;
const human = (metric: string): Sql => sql`(metric = ${metric} AND machine = 0)`;
const messagesIf = (condition: Sql): Sql => sql`uniqExactMergeIf(messages, ${condition})`;
const eventsIf = (condition: Sql): Sql => sql`uniqExactMergeIf(events, ${condition})`;

/** Exported for the Grafana dashboards (scripts/dashboards), which render these same expressions into their SQL. */
export const EMAIL_KPI_COUNTS = {
  // Sent (docs/kpis.md#targeted-sent-and-blocked): what was not blocked, bounced or not; Sent = Targeted - Blocked.
  // An attempt to a suppressed address is a bounce or a feedback loop, so it is sent; Sending failed stays out.
  sent: messagesIf(anyOf(SENT)),
  // Blocked: not sent for the contact's preferences or address (do not bulk email, missing, invalid, blocklisted).
  // Suppressed attempts are not here (0090).
  blocked: messagesIf(sql`metric = 'blocked'`),
  // Bounced (hard/soft/other), per message (docs/kpis.md#bounces-and-delivered); each attempt to an address
  // suppressed by a hard bounce is a hard bounce again (docs/kpis.md#attempts-to-suppressed-addresses).
  bouncedHard: messagesIf(sql`metric = 'bounce_hard'`),
  bouncedSoft: messagesIf(sql`metric = 'bounce_soft'`),
  bouncedOther: messagesIf(sql`metric = 'bounce_other'`),
  // TotalBounced of Delivered = Sent - TotalBounced: messages, one however many reports or classes.
  bouncedTotal: messagesIf(anyOf(BOUNCED)),
  // Did not open (docs/kpis.md#opens): delivered messages without a human open, as
  // |Sent ∪ Opened| - |Bounced ∪ Opened|. An open flagged as machine traffic is not an open here.
  sentOrOpened: messagesIf(sql`${anyOf(SENT)} OR ${human('open')}`),
  bouncedOrOpened: messagesIf(sql`${anyOf(BOUNCED)} OR ${human('open')}`),
  // Opened (total): every human open, several opens of one message included.
  openedTotal: eventsIf(human('open')),
  // Opened (unique): messages opened by a human at least once.
  openedUnique: messagesIf(human('open')),
  // messages whose only opens were machine traffic (privacy proxies, scanners): counted in Did not open
  openedOrMachineOpened: messagesIf(sql`metric = 'open'`),
  // Clicked (total, docs/kpis.md#clicks-and-click-through-rate): every human link click (attachments excluded).
  clickedTotal: eventsIf(human('click')),
  // Clicked (unique): messages in which the recipient clicked at least one link.
  clickedUnique: messagesIf(human('click')),
  // Attachment views (docs/kpis.md#attachment-views): their own KPI, kept out of Clicked.
  attachmentViewsTotal: eventsIf(human('attachment_view')),
  attachmentViewsUnique: messagesIf(human('attachment_view')),
  // Forwarded (docs/kpis.md#forwarded): the friends' addresses submitted, not necessarily distinct. Submissions
  // here; addresses from the breakdown query.
  forwardSubmissions: eventsIf(human('forward')),
  // Unsubscribed (docs/kpis.md#unsubscribed-and-subscription-submitted): at most one per message.
  unsubscribed: messagesIf(human('unsubscribe')),
  // Subscription submitted: messages whose recipient submitted the subscription center at least once.
  subscriptionSubmitted: messagesIf(human('subscription_submitted')),
  // Feedback loops (docs/kpis.md#feedback-loops): messages reported as spam; each attempt to a
  // complaint-suppressed address too. ARF types other than abuse are complaint_not_counted.
  feedbackLoops: messagesIf(sql`metric = 'complaint'`),
  // Sending failed (docs/kpis.md#sending-failed): failed on Cairn's side and never sent, |Failed ∪ Sent| - |Sent|.
  sentOrFailed: messagesIf(sql`${anyOf(SENT)} OR metric = 'sending_failed'`),
  // Generated leads (docs/kpis.md#generated-leads).
  generatedLeads: eventsIf(sql`metric = 'lead_generated'`),
  machineOpens: eventsIf(sql`metric = 'open' AND machine = 1`),
  machineClicks: eventsIf(sql`metric = 'click' AND machine = 1`),
};

type CountName = keyof typeof EMAIL_KPI_COUNTS;

interface BreakdownRow {
  metric: string;
  breakdown: string;
  events: string;
  messages: string;
}

interface Breakdowns {
  blockedByReason: Record<string, number>;
  unsubscribedByMethod: Record<string, number>;
  feedbackReportsNotCounted: Record<string, number>;
  forwarded: number;
}

async function breakdowns(ch: QueryRunner, filter: EmailFilter, source: Sql): Promise<Breakdowns> {
  const rows = await ch.rows<BreakdownRow>(sql`
    SELECT metric, breakdown, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages
    FROM ${source}
    WHERE ${emailWhere(filter)} AND machine = 0 AND metric IN ('blocked', 'unsubscribe', 'complaint_not_counted', 'forward')
    GROUP BY metric, breakdown ORDER BY metric, breakdown`);
  // breakdowns are words from events (reasons, methods, report types): prototype-less records keep any word a key
  const result: Breakdowns = {
    blockedByReason: dataRecord(),
    unsubscribedByMethod: dataRecord(),
    feedbackReportsNotCounted: dataRecord(),
    forwarded: 0,
  };
  for (const row of rows) {
    if (row.metric === 'blocked') result.blockedByReason[row.breakdown] = num(row.messages);
    if (row.metric === 'unsubscribe') result.unsubscribedByMethod[row.breakdown] = num(row.messages);
    if (row.metric === 'complaint_not_counted') result.feedbackReportsNotCounted[row.breakdown] = num(row.events);
    // breakdown is the event's friend_count: the addresses one submission carried
    if (row.metric === 'forward') result.forwarded += num(row.breakdown) * num(row.events);
  }
  return result;
}

/** The glossary email table (or the geography one, 0100), or its rows for the filter's contacts only (kpi-source.ts). */
export function emailSource(
  ch: QueryRunner,
  filter: EmailFilter,
  table: 'email' | 'email_geography' = 'email',
): Promise<Sql> {
  return kpiSource(ch, table, { ...filter, owner: sql`email_id = ${filter.emailId}` });
}

/** The email's KPI card (docs/kpis.md), optionally for one journey, one version and a local-day range. */
export async function emailInsights(ch: QueryRunner, filter: EmailFilter): Promise<EmailKpis> {
  const select = join(Object.entries(EMAIL_KPI_COUNTS).map(([name, expr]) => sql`${expr} AS ${ident(name)}`));
  const source = await emailSource(ch, filter);
  const [rows, split] = await Promise.all([
    ch.rows<Record<CountName, string>>(sql`SELECT ${select} FROM ${source} WHERE ${emailWhere(filter)}`),
    breakdowns(ch, filter, source),
  ]);
  const c = (name: CountName): number => num(rows[0]?.[name]);
  const delivered = c('sent') - c('bouncedTotal');
  return {
    // Sent = Targeted - Blocked, so Targeted = Sent + Blocked
    targeted: c('sent') + c('blocked'),
    sent: c('sent'),
    // Delivered = Sent - TotalBounced (docs/kpis.md#bounces-and-delivered)
    delivered,
    blocked: c('blocked'),
    blockedByReason: split.blockedByReason,
    bouncedHard: c('bouncedHard'),
    bouncedSoft: c('bouncedSoft'),
    bouncedOther: c('bouncedOther'),
    bouncedTotal: c('bouncedTotal'),
    openedTotal: c('openedTotal'),
    openedUnique: c('openedUnique'),
    didNotOpen: c('sentOrOpened') - c('bouncedOrOpened'),
    machineOnlyOpened: c('openedOrMachineOpened') - c('openedUnique'),
    clickedTotal: c('clickedTotal'),
    clickedUnique: c('clickedUnique'),
    attachmentViewsTotal: c('attachmentViewsTotal'),
    attachmentViewsUnique: c('attachmentViewsUnique'),
    forwarded: split.forwarded,
    forwardSubmissions: c('forwardSubmissions'),
    unsubscribed: c('unsubscribed'),
    unsubscribedByMethod: split.unsubscribedByMethod,
    subscriptionSubmitted: c('subscriptionSubmitted'),
    feedbackLoops: c('feedbackLoops'),
    feedbackReportsNotCounted: split.feedbackReportsNotCounted,
    sendingFailed: c('sentOrFailed') - c('sent'),
    generatedLeads: c('generatedLeads'),
    machineOpens: c('machineOpens'),
    machineClicks: c('machineClicks'),
  };
}

/** The Delivery tab: where each targeted message ended up; Sending failed beside Sent, not in it. */
export async function deliveryBreakdown(ch: QueryRunner, filter: EmailFilter): Promise<DeliveryBreakdown> {
  const kpis = await emailInsights(ch, filter);
  return {
    targeted: kpis.targeted,
    sent: kpis.sent,
    delivered: kpis.delivered,
    blocked: kpis.blocked,
    blockedByReason: kpis.blockedByReason,
    bounced: { hard: kpis.bouncedHard, soft: kpis.bouncedSoft, other: kpis.bouncedOther, total: kpis.bouncedTotal },
    sendingFailed: kpis.sendingFailed,
  };
}
