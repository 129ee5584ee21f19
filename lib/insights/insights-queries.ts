import { join, sql } from '../clickhouse/sql';
import { emailWhere, num, type EmailFilter, type QueryRunner } from './insights-filters';

/**
 * Email insights over kpi_email_daily (sql/clickhouse/0010). Every KPI column there is a uniqExact state, so
 * merging across days, versions and journeys stays exact: a message opened on two days is one unique open.
 * Definitions follow the glossary in seed 004 and GUIDE section 8:
 *   targeted = send + blocked;  sent = targeted - blocked;  delivered = sent - (hard + soft + other bounces)
 *   unique opens/clicks = messages with at least one such event; human KPIs leave machine events out.
 * sending_failed is reported on its own, not in targeted: a message that failed in our sender was neither
 * sent nor blocked for the contact's sake, and putting it in targeted would inflate sent.
 */
export type { EmailFilter, QueryRunner } from './insights-filters';
export { journeyTileKpis, contactTimeline, contactsWhoDid } from './journey-contact-queries';
export type { TileKpis, TimelineEntry, ContactTimeline, ContactsWhoDidFilter } from './journey-contact-queries';

export interface EmailKpis {
  targeted: number;
  sent: number;
  delivered: number;
  blocked: number;
  /** email Blocked by reason (do-not-bulk-email, missing/invalid/blocklisted address, ...) */
  blockedByReason: Record<string, number>;
  bouncedHard: number;
  bouncedSoft: number;
  bouncedOther: number;
  bouncedTotal: number;
  openedTotal: number;
  openedUnique: number;
  /** delivered messages with no recorded open */
  didNotOpen: number;
  clickedTotal: number;
  clickedUnique: number;
  forwarded: number;
  /** at most one per message */
  unsubscribed: number;
  subscriptionSubmitted: number;
  feedbackLoops: number;
  sendingFailed: number;
  generatedLeads: number;
  /** bot/scanner traffic: stored and countable, excluded from every human KPI above */
  machineOpens: number;
  machineClicks: number;
}

interface MetricRow {
  metric: string;
  machine: number | string;
  events: string;
  messages: string;
}

type Counts = Map<string, { events: number; messages: number }>;

async function metricCounts(ch: QueryRunner, filter: EmailFilter, machine: 0 | 1): Promise<Counts> {
  const rows = await ch.rows<MetricRow>(sql`
    SELECT metric, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages
    FROM kpi_email_daily WHERE ${emailWhere(filter)} AND machine = ${machine}
    GROUP BY metric`);
  return new Map(rows.map((row) => [row.metric, { events: num(row.events), messages: num(row.messages) }]));
}

async function blockedReasons(ch: QueryRunner, filter: EmailFilter): Promise<Record<string, number>> {
  const rows = await ch.rows<{ detail: string; events: string }>(sql`
    SELECT detail, uniqExactMerge(events) AS events FROM kpi_email_daily
    WHERE ${emailWhere(filter)} AND metric = 'blocked' GROUP BY detail ORDER BY detail`);
  return Object.fromEntries(rows.map((row) => [row.detail, num(row.events)]));
}

/** The email's KPI card (seed 004 glossary), optionally for one journey and a day range. */
export async function emailInsights(ch: QueryRunner, filter: EmailFilter): Promise<EmailKpis> {
  const [human, machine, blockedByReason] = await Promise.all([
    metricCounts(ch, filter, 0),
    metricCounts(ch, filter, 1),
    blockedReasons(ch, filter),
  ]);
  const events = (metric: string): number => (human.get(metric)?.events ?? 0) + (machine.get(metric)?.events ?? 0);
  const humanEvents = (metric: string): number => human.get(metric)?.events ?? 0;
  const humanMessages = (metric: string): number => human.get(metric)?.messages ?? 0;
  const blocked = events('blocked');
  const targeted = events('send') + blocked;
  const sent = targeted - blocked;
  const [bouncedHard, bouncedSoft, bouncedOther] = ['bounce_hard', 'bounce_soft', 'bounce_other'].map(events) as [number, number, number];
  const bouncedTotal = bouncedHard + bouncedSoft + bouncedOther;
  const delivered = sent - bouncedTotal;
  const openedUnique = humanMessages('open');
  return {
    targeted,
    sent,
    delivered,
    blocked,
    blockedByReason,
    bouncedHard,
    bouncedSoft,
    bouncedOther,
    bouncedTotal,
    openedTotal: humanEvents('open'),
    openedUnique,
    didNotOpen: Math.max(0, delivered - openedUnique),
    clickedTotal: humanEvents('click'),
    clickedUnique: humanMessages('click'),
    forwarded: humanEvents('forward'),
    unsubscribed: humanMessages('unsubscribe'),
    subscriptionSubmitted: humanMessages('subscription_submitted'),
    feedbackLoops: humanMessages('complaint'),
    sendingFailed: events('sending_failed'),
    generatedLeads: humanEvents('lead_generated'),
    machineOpens: machine.get('open')?.events ?? 0,
    machineClicks: machine.get('click')?.events ?? 0,
  };
}

export interface DeliveryBreakdown {
  targeted: number;
  sent: number;
  delivered: number;
  blocked: number;
  blockedByReason: Record<string, number>;
  bounced: { hard: number; soft: number; other: number; total: number };
  sendingFailed: number;
}

/** The Delivery tab: where each targeted message ended up. */
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

export interface ResponsesOnDay {
  day: string;
  opened: number;
  openedUnique: number;
  clicked: number;
  clickedUnique: number;
  forwarded: number;
  unsubscribed: number;
}

/** Human responses per UTC day (the "responses over time" chart); days without responses are absent. */
export async function responsesOverTime(ch: QueryRunner, filter: EmailFilter): Promise<ResponsesOnDay[]> {
  const rows = await ch.rows<MetricRow & { day: string }>(sql`
    SELECT toString(day) AS day, metric, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages
    FROM kpi_email_daily
    WHERE ${emailWhere(filter)} AND machine = 0 AND metric IN ('open', 'click', 'forward', 'unsubscribe')
    GROUP BY day, metric ORDER BY day`);
  const byDay = new Map<string, ResponsesOnDay>();
  for (const row of rows) {
    const entry = byDay.get(row.day) ?? { day: row.day, opened: 0, openedUnique: 0, clicked: 0, clickedUnique: 0, forwarded: 0, unsubscribed: 0 };
    byDay.set(row.day, entry);
    if (row.metric === 'open') [entry.opened, entry.openedUnique] = [num(row.events), num(row.messages)];
    if (row.metric === 'click') [entry.clicked, entry.clickedUnique] = [num(row.events), num(row.messages)];
    if (row.metric === 'forward') entry.forwarded = num(row.events);
    if (row.metric === 'unsubscribe') entry.unsubscribed = num(row.messages);
  }
  return [...byDay.values()];
}

export interface LinkKpis {
  linkId: string;
  url: string;
  totalClicks: number;
  uniqueClicks: number;
  /** this link's unique clicks / all unique clicks of the message (seed 004) */
  clickThroughRate: number;
}

/** Links by unique clicks (top-10 card with limit 10, the heat map with a large limit). Human clicks only. */
export async function topLinks(ch: QueryRunner, filter: EmailFilter & { limit?: number }): Promise<LinkKpis[]> {
  const limit = Math.max(1, Math.min(1000, Math.trunc(filter.limit ?? 10)));
  const where = sql`${emailWhere(filter)} AND machine = 0 AND metric = 'click'`;
  const [links, overall] = await Promise.all([
    ch.rows<{ detail: string; events: string; messages: string }>(sql`
      SELECT detail, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages
      FROM kpi_email_daily WHERE ${where} GROUP BY detail ORDER BY messages DESC, detail LIMIT ${limit}`),
    ch.rows<{ messages: string }>(sql`SELECT uniqExactMerge(messages) AS messages FROM kpi_email_daily WHERE ${where}`),
  ]);
  const allUnique = num(overall[0]?.messages);
  const urls = await linkUrls(ch, filter, links.map((link) => link.detail));
  return links.map((link) => ({
    linkId: link.detail,
    url: urls.get(link.detail) ?? '',
    totalClicks: num(link.events),
    uniqueClicks: num(link.messages),
    clickThroughRate: allUnique > 0 ? num(link.messages) / allUnique : 0,
  }));
}

async function linkUrls(ch: QueryRunner, filter: EmailFilter, linkIds: string[]): Promise<Map<string, string>> {
  if (linkIds.length === 0) return new Map();
  const rows = await ch.rows<{ link_id: string; url: string }>(sql`
    SELECT link_id, any(url) AS url FROM events_raw
    WHERE workspace_id = ${filter.workspaceId} AND event_type = 'click' AND email_id = ${filter.emailId}
      AND link_id IN (${join(linkIds.map((id) => sql`${id}`))})
    GROUP BY link_id`);
  return new Map(rows.map((row) => [row.link_id, row.url]));
}
