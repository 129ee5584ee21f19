import { ident, join, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { num, periodWhere, type Period, type QueryRunner } from './insights-filters';
import { rawLocalDay } from './page-form-kpis';
import type { RedirectClick, RedirectCounts, RedirectInsights } from './redirect-url-types';

/*
 * Redirect URL insights (docs/kpis.md#redirect-url-kpis) over the raw redirect_clicked events (events_raw,
 * sql/clickhouse/0001): the redirect URL and the country are in `detail` (JSON; visitParamExtractString reads it on
 * 18.16 and current ClickHouse), the destination in `url`. Every count is a uniqExact of the event id, so a replayed
 * event counts once before and after ReplacingMergeTree merges. No KPI table: a redirect URL's clicks are few
 * next to an email's, and the raw table answers them at once.
 */

export interface RedirectFilter extends Period {
  workspaceId: string;
  /** the redirect URL's id, checked against the caller's workspace before */
  redirectUrlId: string;
}

const field = (name: string): Sql => sql`visitParamExtractString(detail, ${name})`;
const COUNTRY = field('country');

/** Exported for the Grafana dashboard (scripts/dashboards/redirect-urls.dashboard.ts), which renders these same expressions. */
export const REDIRECT_KPI_COUNTS = {
  clicks: sql`uniqExact(event_id)`,
  humanClicks: sql`uniqExactIf(event_id, machine = 0)`,
  machineClicks: sql`uniqExactIf(event_id, machine = 1)`,
};

/** The redirect URL's raw clicks within the filter's local days. */
export function redirectWhere(filter: RedirectFilter): Sql {
  const parts = [
    sql`workspace_id = ${filter.workspaceId}`,
    sql`event_type = 'redirect_clicked'`,
    sql`${field('redirect_url_id')} = ${filter.redirectUrlId}`,
    ...periodWhere(filter, rawLocalDay(filter.timeZone), sql`event_date`),
  ];
  return join(
    parts.map((part) => sql`(${part})`),
    ' AND ',
  );
}

const SELECT_COUNTS = join(Object.entries(REDIRECT_KPI_COUNTS).map(([name, expr]) => sql`${expr} AS ${ident(name)}`));
const countsOf = (row: Record<string, string> | undefined): RedirectCounts => ({
  clicks: num(row?.clicks),
  humanClicks: num(row?.humanClicks),
  machineClicks: num(row?.machineClicks),
});

/** The KPI card, the human clicks by country (most first, unknown last among equals) and the counts per local day. */
export async function redirectInsights(ch: QueryRunner, filter: RedirectFilter): Promise<RedirectInsights> {
  const where = redirectWhere(filter);
  const [total, countries, days] = await Promise.all([
    ch.rows<Record<string, string>>(sql`SELECT ${SELECT_COUNTS} FROM events_raw WHERE ${where}`),
    ch.rows<Record<string, string>>(sql`
      SELECT ${COUNTRY} AS country, ${REDIRECT_KPI_COUNTS.humanClicks} AS humanClicks
      FROM events_raw WHERE ${where} AND machine = 0
      GROUP BY country ORDER BY humanClicks DESC, country = '', country`),
    ch.rows<Record<string, string>>(sql`
      SELECT ${rawLocalDay(filter.timeZone)} AS local_day, ${SELECT_COUNTS}
      FROM events_raw WHERE ${where} GROUP BY local_day ORDER BY local_day`),
  ]);
  return {
    ...countsOf(total[0]),
    countries: countries.map((row) => ({ country: row.country || null, humanClicks: num(row.humanClicks) })),
    days: days.map((row) => ({ day: row.local_day ?? '', ...countsOf(row) })),
  };
}

interface ClickRow {
  event_id: string;
  ms: string;
  at: string;
  v_country: string;
  v_class: string;
  v_machine: number | string;
  v_machine_reason: string;
}

/** A page of the timeline: each click, human ones (or, with machine, machine traffic only), newest first. */
export async function redirectClicks(
  ch: QueryRunner,
  filter: RedirectFilter & { machine: boolean; limit: number; after?: { ms: number; eventId: string } },
): Promise<(RedirectClick & { ms: number })[]> {
  const after = filter.after
    ? sql`AND (event_time_ms < ${filter.after.ms} OR (event_time_ms = ${filter.after.ms} AND event_id < ${filter.after.eventId}))`
    : sql``;
  const rows = await ch.rows<ClickRow>(sql`
    SELECT event_id, event_time_ms AS ms, toString(any(event_time)) AS at, any(${COUNTRY}) AS v_country,
           any(${field('user_agent_class')}) AS v_class, any(machine) AS v_machine,
           any(machine_reason) AS v_machine_reason
    FROM events_raw WHERE ${redirectWhere(filter)} AND machine = ${filter.machine ? 1 : 0} ${after}
    -- v_ aliases: 18.16 substitutes an alias named like a column into WHERE
    GROUP BY event_id, event_time_ms ORDER BY event_time_ms DESC, event_id DESC LIMIT ${filter.limit}`);
  return rows.map((row) => ({
    eventId: row.event_id,
    ms: num(row.ms),
    at: row.at,
    country: row.v_country || null,
    userAgentClass: row.v_class || 'unknown',
    machine: num(row.v_machine) === 1,
    machineReason: row.v_machine_reason,
  }));
}
