import { ident, join, sql, tuple, type Sql } from '../../../lib/platform/clickhouse/sql';
import { emailWhere, num, type EmailFilter, type QueryRunner } from './insights-filters';
import type { DeliveryBreakdown, EmailKpis } from './insights-types';
import { kpiSource } from './kpi-source';
import { dataRecord } from '../../../lib/platform/own-property';
import { COUNTED_FEEDBACK_TYPES, feedbackEffect } from '../../../lib/domain/bounces/feedback-types';

/*
 * Every email KPI, defined once, over kpi_email_tile_glossary (sql/clickhouse/0130), each beside the docs/kpis.md entry it
 * implements. Cells are uniqExact states of event_id (events) and message_id (messages); merging the states of
 * several metrics counts each message once across them, so a message with two bounce reports (a DSN and a
 * webhook) is one bounced message, and set differences come from two unions: |A \ B| = |A ∪ B| - |B|.
 */

const BOUNCED = ['bounce_hard', 'bounce_soft', 'bounce_other'];
const anyOf = (metrics: string[]): Sql => sql`metric IN ${tuple(metrics)}`;
/**
 * A Feedback loops complaint: a report of a type that counts (lib/domain/bounces/feedback-types.ts decides, for the
 * suppression and the trigger too); the breakdown is the report's ARF type (0130).
 */
const COUNTED_COMPLAINT = sql`(metric = 'complaint' AND breakdown IN ${tuple([...COUNTED_FEEDBACK_TYPES])})`;
/** a counted complaint is only ever about a sent message; a suppressed attempt has no send event */
const SENT = sql`(${anyOf(['send', ...BOUNCED])} OR ${COUNTED_COMPLAINT})`;
const human = (metric: string): Sql => sql`(metric = ${metric} AND machine = 0)`;
const messagesIf = (condition: Sql): Sql => sql`uniqExactMergeIf(messages, ${condition})`;
const eventsIf = (condition: Sql): Sql => sql`uniqExactMergeIf(events, ${condition})`;

/** Exported for the Grafana dashboards (scripts/dashboards), which render these same expressions into their SQL. */
export const EMAIL_KPI_COUNTS = {
  // Sent (docs/kpis.md#targeted-sent-and-blocked): what was not blocked, bounced or not; Sent = Targeted - Blocked.
  // An attempt to a suppressed address is a bounce or a feedback loop, so it is sent; Sending failed stays out.
  sent: messagesIf(SENT),
  // Blocked: not sent for the contact's preferences or address (do not bulk email, missing, invalid, blocklisted).
  // Suppressed attempts are not here (0090, 0130).
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
  sentOrOpened: messagesIf(sql`${SENT} OR ${human('open')}`),
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
  // complaint-suppressed address too. Reports of the other ARF types are recorded, not counted.
  feedbackLoops: messagesIf(COUNTED_COMPLAINT),
  // Sending failed (docs/kpis.md#sending-failed): failed on Cairn's side and never sent, |Failed ∪ Sent| - |Sent|.
  sentOrFailed: messagesIf(sql`${SENT} OR metric = 'sending_failed'`),
  // Total generated leads (docs/kpis.md#generated-leads): leads naming a message of the email; a lead naming no
  // message (a plain form, a create-lead tile, a batch post without one) never reaches this table (sql/clickhouse/0150).
  generatedLeads: eventsIf(sql`metric = 'lead_generated'`),
  machineOpens: eventsIf(sql`metric = 'open' AND machine = 1`),
  machineClicks: eventsIf(sql`metric = 'click' AND machine = 1`),
};

type CountName = keyof typeof EMAIL_KPI_COUNTS;

/** A card's rows: one per key (a tile id, or '' for one card over everything the filter matches). */
interface KeyedRow {
  kpi_key: string;
}

interface BreakdownRow extends KeyedRow {
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

// breakdowns are words from events (reasons, methods, report types): prototype-less records keep any word a key
const noBreakdowns = (): Breakdowns => ({
  blockedByReason: dataRecord(),
  unsubscribedByMethod: dataRecord(),
  feedbackReportsNotCounted: dataRecord(),
  forwarded: 0,
});

function addBreakdown(result: Breakdowns, row: BreakdownRow): void {
  if (row.metric === 'blocked') result.blockedByReason[row.breakdown] = num(row.messages);
  if (row.metric === 'unsubscribe') result.unsubscribedByMethod[row.breakdown] = num(row.messages);
  // every ARF report is recorded; those of a type Feedback loops does not count are listed by type
  if (row.metric === 'complaint' && !feedbackEffect(row.breakdown).counted)
    result.feedbackReportsNotCounted[row.breakdown] = num(row.events);
  // breakdown is the event's friend_count: the addresses one submission carried
  if (row.metric === 'forward') result.forwarded += num(row.breakdown) * num(row.events);
}

async function breakdowns(ch: QueryRunner, source: Sql, where: Sql, key: Sql): Promise<Map<string, Breakdowns>> {
  const rows = await ch.rows<BreakdownRow>(sql`
    SELECT ${key} AS kpi_key, metric, breakdown, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages
    FROM ${source}
    WHERE ${where} AND machine = 0 AND metric IN ('blocked', 'unsubscribe', 'complaint', 'forward')
    GROUP BY kpi_key, metric, breakdown ORDER BY kpi_key, metric, breakdown`);
  const result = new Map<string, Breakdowns>();
  for (const row of rows) {
    const split = result.get(row.kpi_key) ?? noBreakdowns();
    result.set(row.kpi_key, split);
    addBreakdown(split, row);
  }
  return result;
}

/** The glossary email table (or the geography one, 0100), or its rows for the filter's contacts only (kpi-source.ts). */
export function emailSource(
  ch: QueryRunner,
  filter: EmailFilter,
  table: 'email' | 'email_geography' = 'email',
  rawOnly?: Sql[],
): Promise<Sql> {
  return kpiSource(ch, table, { ...filter, owner: sql`email_id = ${filter.emailId}`, rawOnly });
}

function card(c: (name: CountName) => number, split: Breakdowns): EmailKpis {
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

/**
 * KPI cards over the rows of source matching where, one per value of key: a column (tile_id, one card per tile) or
 * the constant '' (one card). A key with no rows has no card.
 */
export async function emailKpiCards(
  ch: QueryRunner,
  source: Sql,
  where: Sql,
  key: Sql = sql`''`,
): Promise<Map<string, EmailKpis>> {
  const select = join(Object.entries(EMAIL_KPI_COUNTS).map(([name, expr]) => sql`${expr} AS ${ident(name)}`));
  const [rows, splits] = await Promise.all([
    ch.rows<Record<CountName, string> & KeyedRow>(
      sql`SELECT ${key} AS kpi_key, ${select} FROM ${source} WHERE ${where} GROUP BY kpi_key ORDER BY kpi_key`,
    ),
    breakdowns(ch, source, where, key),
  ]);
  const cards = new Map<string, EmailKpis>();
  for (const row of rows)
    cards.set(
      row.kpi_key,
      card((name) => num(row[name]), splits.get(row.kpi_key) ?? noBreakdowns()),
    );
  return cards;
}

/** The email's KPI card (docs/kpis.md), optionally for one journey, tile, version and a local-day range. */
export async function emailInsights(ch: QueryRunner, filter: EmailFilter): Promise<EmailKpis> {
  const cards = await emailKpiCards(ch, await emailSource(ch, filter), emailWhere(filter));
  return cards.get('') ?? card(() => 0, noBreakdowns());
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
