import { ident, join, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { checkedTimeZone, num, periodWhere, type Period, type QueryRunner } from './insights-filters';
import { rawLocalDay } from './page-form-kpis';

/*
 * Website KPIs (docs/kpis.md#website-kpis), each defined once below, over the raw events (events_raw,
 * sql/clickhouse/0001): web_page_viewed and web_link_clicked keep the website, visitor and country in `detail`
 * (JSON; visitParamExtractString reads it on 18.16 and current ClickHouse) and the page's path, or the link's
 * destination, in `url`. Every count is a uniqExact of the event id, whose id the tracking script's hit id fixes,
 * so a beacon sent twice is counted once before and after ReplacingMergeTree merges.
 */

/** The website whose activity to count; days are the workspace's time zone. */
export interface WebsiteFilter extends Period {
  workspaceId: string;
  /** the website's id, checked against the caller's workspace before */
  websiteId: string;
}

export type TimelineInterval = 'day' | 'hour';

const field = (name: string): Sql => sql`visitParamExtractString(detail, ${name})`;
const COUNTRY = field('country');
/** one visitor: the contact when known (a tracked click led there), else the visitor id (first-party or the page load) */
const VISITOR = sql`if(contact_id != '', concat('c:', contact_id), concat('v:', ${field('visitor_id')}))`;
const HUMAN_VIEW = sql`event_type = 'web_page_viewed' AND machine = 0`;

/** Exported for the Grafana dashboard (scripts/dashboards/web-tracking.dashboard.ts), which renders these same expressions. */
export const WEBSITE_KPI_COUNTS = {
  pageLoads: sql`uniqExactIf(event_id, ${HUMAN_VIEW})`,
  uniqueVisitors: sql`uniqExactIf(${VISITOR}, ${HUMAN_VIEW})`,
  knownVisitors: sql`uniqExactIf(contact_id, ${HUMAN_VIEW} AND contact_id != '')`,
  linkClicks: sql`uniqExactIf(event_id, event_type = 'web_link_clicked' AND machine = 0)`,
  machineHits: sql`uniqExactIf(event_id, machine = 1)`,
};

/** The website's raw events within the filter (page views and link clicks). */
export function websiteWhere(filter: WebsiteFilter): Sql {
  const parts = [
    sql`workspace_id = ${filter.workspaceId}`,
    sql`event_type IN ('web_page_viewed', 'web_link_clicked')`,
    sql`${field('website_id')} = ${filter.websiteId}`,
    ...periodWhere(filter, rawLocalDay(filter.timeZone), sql`event_date`),
  ];
  return join(
    parts.map((part) => sql`(${part})`),
    ' AND ',
  );
}

type Counts = { [K in keyof typeof WEBSITE_KPI_COUNTS]: number };
const selectOf = (counts: Record<string, Sql>): Sql =>
  join(Object.entries(counts).map(([name, expr]) => sql`${expr} AS ${ident(name)}`));
const countsOf = (row: Record<string, string> | undefined): Counts => ({
  pageLoads: num(row?.pageLoads),
  uniqueVisitors: num(row?.uniqueVisitors),
  knownVisitors: num(row?.knownVisitors),
  linkClicks: num(row?.linkClicks),
  machineHits: num(row?.machineHits),
});
const { pageLoads, uniqueVisitors } = WEBSITE_KPI_COUNTS;
const LOADS = selectOf({ pageLoads, uniqueVisitors });

/** The website's KPI card: page loads, unique and known visitors, link clicks; machine hits apart. */
export async function websiteKpis(ch: QueryRunner, filter: WebsiteFilter): Promise<Counts> {
  const rows = await ch.rows<Record<string, string>>(
    sql`SELECT ${selectOf(WEBSITE_KPI_COUNTS)} FROM events_raw WHERE ${websiteWhere(filter)}`,
  );
  return countsOf(rows[0]);
}

/** The most loaded pages (by path), most loads first; at most `limit`. */
export async function popularPages(ch: QueryRunner, filter: WebsiteFilter, limit = 20) {
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT url AS path, ${LOADS}
    FROM events_raw WHERE ${websiteWhere(filter)} AND event_type = 'web_page_viewed' AND machine = 0
    GROUP BY path ORDER BY pageLoads DESC, path LIMIT ${Math.trunc(limit)}`);
  return rows.map((row) => ({
    path: row.path ?? '',
    pageLoads: num(row.pageLoads),
    uniqueVisitors: num(row.uniqueVisitors),
  }));
}

/** Human page loads and unique visitors by the client address's country; most visitors first, unknown last. */
export async function websiteCountries(ch: QueryRunner, filter: WebsiteFilter) {
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT ${COUNTRY} AS country, ${LOADS}
    FROM events_raw WHERE ${websiteWhere(filter)} AND event_type = 'web_page_viewed' AND machine = 0
    GROUP BY country ORDER BY uniqueVisitors DESC, pageLoads DESC, country = '', country`);
  return rows.map((row) => ({
    country: row.country ? row.country : null,
    pageLoads: num(row.pageLoads),
    uniqueVisitors: num(row.uniqueVisitors),
  }));
}

/** Human page loads per local day ('YYYY-MM-DD') or hour ('YYYY-MM-DD HH'); periods without any are absent. */
export async function websiteTimeline(ch: QueryRunner, filter: WebsiteFilter, interval: TimelineInterval) {
  const period =
    interval === 'hour'
      ? sql`substring(toString(event_time, ${checkedTimeZone(filter.timeZone)}), 1, 13)`
      : rawLocalDay(filter.timeZone);
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT ${period} AS period, ${LOADS}
    FROM events_raw WHERE ${websiteWhere(filter)} AND event_type = 'web_page_viewed' AND machine = 0
    GROUP BY period ORDER BY period`);
  return rows.map((row) => ({
    period: row.period ?? '',
    pageLoads: num(row.pageLoads),
    uniqueVisitors: num(row.uniqueVisitors),
  }));
}

/** Each page load, newest first (at most `limit`): when, which page, who when known, from where. */
export async function pageLoadsOf(ch: QueryRunner, filter: WebsiteFilter, limit: number) {
  // GROUP BY event_id folds replays a merge has not folded yet (ReplacingMergeTree).
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT event_id, toString(any(event_time)) AS at, any(url) AS path, any(${field('title')}) AS title,
           any(contact_id) AS contact_id, any(${COUNTRY}) AS country, any(message_id) AS message_id,
           any(journey_id) AS journey_id, any(machine) AS machine
    FROM events_raw WHERE ${websiteWhere(filter)} AND event_type = 'web_page_viewed'
    GROUP BY event_id ORDER BY at DESC, event_id LIMIT ${Math.trunc(limit)}`);
  return rows.map((row) => ({
    eventId: row.event_id ?? '',
    at: row.at ?? '',
    path: row.path ?? '',
    title: row.title ?? '',
    contactId: row.contact_id ?? '',
    country: row.country ? row.country : null,
    messageId: row.message_id ?? '',
    journeyId: row.journey_id ?? '',
    machine: num(row.machine) === 1,
  }));
}
