import { join, sql } from '../../../lib/platform/clickhouse/sql';
import { emailSource } from './email-kpis';
import { emailWhere, localDay, num, type EmailFilter, type QueryRunner } from './insights-filters';
import type { LinkKpis, ResponsesOnDay } from './insights-types';

/**
 * Email insights over kpi_email_tile_glossary (sql/clickhouse/0130); the KPI card and the delivery tab live in
 * email-kpis.ts, each definition once, beside the docs/kpis.md entry it implements. Days are the
 * workspace's time zone (EmailFilter.timeZone).
 */
export type { EmailFilter, QueryRunner } from './insights-filters';
export { emailInsights, deliveryBreakdown } from './email-kpis';
export type { EmailKpis, DeliveryBreakdown, ResponsesOnDay, LinkKpis } from './insights-types';
export { emailGeography } from './email-geography';
export type { CountryKpis } from './email-geography';
export { journeyTileKpis, contactTimeline, contactsWhoDid } from './journey-contact-queries';
export type { TileKpis, TimelineEntry, ContactTimeline, ContactsWhoDidFilter } from './journey-contact-queries';

/**
 * Human responses per day of the workspace's time zone (the "responses over time" chart); days without
 * responses are absent. Same definitions as the KPI card: forwarded counts addresses, unsubscribed messages.
 */
export async function responsesOverTime(ch: QueryRunner, filter: EmailFilter): Promise<ResponsesOnDay[]> {
  const day = localDay(filter.timeZone);
  const where = sql`${emailWhere(filter)} AND machine = 0`;
  const source = await emailSource(ch, filter);
  // The local day is aliased local_day, not day: the glossary tables have a UTC `day` column that the
  // date range filters on, and ClickHouse substitutes a same-named alias into WHERE (String >= Date fails).
  const [rows, forwards] = await Promise.all([
    ch.rows<Record<keyof ResponsesOnDay | 'local_day', string>>(sql`
      SELECT ${day} AS local_day,
             uniqExactMergeIf(events, metric = 'open') AS opened, uniqExactMergeIf(messages, metric = 'open') AS openedUnique,
             uniqExactMergeIf(events, metric = 'click') AS clicked, uniqExactMergeIf(messages, metric = 'click') AS clickedUnique,
             uniqExactMergeIf(messages, metric = 'unsubscribe') AS unsubscribed
      FROM ${source} WHERE ${where} AND metric IN ('open', 'click', 'unsubscribe', 'forward')
      GROUP BY local_day ORDER BY local_day`),
    ch.rows<{ local_day: string; breakdown: string; events: string }>(sql`
      SELECT ${day} AS local_day, breakdown, uniqExactMerge(events) AS events
      FROM ${source} WHERE ${where} AND metric = 'forward' GROUP BY local_day, breakdown`),
  ]);
  const forwarded = new Map<string, number>();
  // breakdown is the submission's friend_count: Forwarded counts the addresses submitted
  for (const row of forwards)
    forwarded.set(row.local_day, (forwarded.get(row.local_day) ?? 0) + num(row.breakdown) * num(row.events));
  return rows.map((row) => ({
    day: row.local_day,
    opened: num(row.opened),
    openedUnique: num(row.openedUnique),
    clicked: num(row.clicked),
    clickedUnique: num(row.clickedUnique),
    forwarded: forwarded.get(row.local_day) ?? 0,
    unsubscribed: num(row.unsubscribed),
  }));
}

/** Links by unique clicks (top-10 card with limit 10, the heat map with a large limit). Human clicks only. */
export async function topLinks(ch: QueryRunner, filter: EmailFilter & { limit?: number }): Promise<LinkKpis[]> {
  const limit = Math.max(1, Math.min(1000, Math.trunc(filter.limit ?? 10)));
  const where = sql`${emailWhere(filter)} AND machine = 0 AND metric = 'click'`;
  const source = await emailSource(ch, filter);
  const [links, overall] = await Promise.all([
    ch.rows<{ breakdown: string; events: string; messages: string }>(sql`
      SELECT breakdown, uniqExactMerge(events) AS events, uniqExactMerge(messages) AS messages
      FROM ${source} WHERE ${where} GROUP BY breakdown ORDER BY messages DESC, breakdown LIMIT ${limit}`),
    ch.rows<{ messages: string }>(sql`SELECT uniqExactMerge(messages) AS messages FROM ${source} WHERE ${where}`),
  ]);
  const allUnique = num(overall[0]?.messages);
  const urls = await linkUrls(
    ch,
    filter,
    links.map((link) => link.breakdown),
  );
  return links.map((link) => ({
    linkId: link.breakdown,
    url: urls.get(link.breakdown) ?? '',
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
