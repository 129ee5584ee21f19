import { ident, join, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { checkedTimeZone, num, periodWhere, type Period, type QueryRunner } from './insights-filters';
import type { FormDay, FormKpis, PageCountry, PageDay, PageKpis } from './page-form-types';

/*
 * Page and form KPIs (docs/kpis.md#page-and-form-kpis), each defined once below, over the raw events (events_raw,
 * sql/clickhouse/0001): page_visited and form_submitted keep the page, form, visitor, country and outcomes in `detail`
 * (JSON; visitParamExtractString reads it on 18.16 and current ClickHouse). Every count is a uniqExact of the event id
 * (or of the submission id, which a replayed submission shares), so a replayed event is counted once before and after
 * ReplacingMergeTree merges.
 */

/** The page, or the form, whose events to count; journey and days optional. Days are the workspace's time zone. */
export interface PageFormFilter extends Period {
  workspaceId: string;
  kind: 'page' | 'form';
  /** the page's or the form's id, checked against the caller's workspace before */
  id: string;
  /** only visits and submissions that came through a landing-page link of this journey's messages */
  journeyId?: string;
}

const field = (name: string): Sql => sql`visitParamExtractString(detail, ${name})`;
const COUNTRY = field('country');
const SUBMISSION = field('submission_id');
/** one visitor: the contact when the visit is known (a tracked link or an earlier submission), else the page load */
const VISITOR = sql`if(contact_id != '', concat('c:', contact_id), concat('v:', ${field('visitor_id')}))`;
const HUMAN_VISIT = sql`event_type = 'page_visited' AND machine = 0`;
const HUMAN_SUBMISSION = sql`event_type = 'form_submitted' AND machine = 0`;

/** Exported for the Grafana dashboard (scripts/dashboards/pages-forms.dashboard.ts), which renders these same expressions. */
export const PAGE_KPI_COUNTS = {
  visits: sql`uniqExactIf(event_id, ${HUMAN_VISIT})`,
  uniqueVisitors: sql`uniqExactIf(${VISITOR}, ${HUMAN_VISIT})`,
  submissions: sql`uniqExactIf(${SUBMISSION}, ${HUMAN_SUBMISSION})`,
  machineVisits: sql`uniqExactIf(event_id, event_type = 'page_visited' AND machine = 1)`,
};

const outcome = (name: string, value: string): Sql =>
  sql`uniqExactIf(${SUBMISSION}, ${HUMAN_SUBMISSION} AND ${field(name)} = ${value})`;
export const FORM_KPI_COUNTS = {
  submissions: PAGE_KPI_COUNTS.submissions,
  contactsCreated: outcome('contact_outcome', 'created'),
  contactsUpdated: outcome('contact_outcome', 'updated'),
  leadsCreated: outcome('lead_outcome', 'created'),
  leadsUpdated: outcome('lead_outcome', 'updated'),
  confirmationPending: sql`uniqExactIf(${SUBMISSION}, ${HUMAN_SUBMISSION} AND visitParamExtractBool(detail, 'confirmation_pending') = 1)`,
};

/** The local day ('YYYY-MM-DD') of a raw event in the workspace's time zone. */
export const rawLocalDay = (timeZone: string | undefined): Sql =>
  sql`substring(toString(event_time, ${checkedTimeZone(timeZone)}), 1, 10)`;

/** The raw events of the page (its visits and the submissions made on it) or of the form, within the filter. */
export function pageFormWhere(filter: PageFormFilter, eventTypes: readonly string[]): Sql {
  const parts = [
    sql`workspace_id = ${filter.workspaceId}`,
    join(
      eventTypes.map((type) => sql`event_type = ${type}`),
      ' OR ',
    ),
    sql`${field(filter.kind === 'page' ? 'page_id' : 'form_id')} = ${filter.id}`,
    ...(filter.journeyId === undefined ? [] : [sql`journey_id = ${filter.journeyId}`]),
    ...periodWhere(filter, rawLocalDay(filter.timeZone), sql`event_date`),
  ];
  return join(
    parts.map((part) => sql`(${part})`),
    ' AND ',
  );
}

type Counts<T extends Record<string, Sql>> = { [K in keyof T]: number };

function selectOf(counts: Record<string, Sql>): Sql {
  return join(Object.entries(counts).map(([name, expr]) => sql`${expr} AS ${ident(name)}`));
}

function countsOf<T extends Record<string, Sql>>(counts: T, row: Record<string, string> | undefined): Counts<T> {
  return Object.fromEntries(Object.keys(counts).map((name) => [name, num(row?.[name])])) as Counts<T>;
}

const PAGE_EVENTS = ['page_visited', 'form_submitted'];

const withRate = (counts: Counts<typeof PAGE_KPI_COUNTS>): PageKpis => ({
  ...counts,
  conversionRate: counts.uniqueVisitors > 0 ? counts.submissions / counts.uniqueVisitors : 0,
});

/** The page's KPI card: visits, unique visitors, submissions, conversion rate; machine visits apart. */
export async function pageInsights(ch: QueryRunner, filter: PageFormFilter): Promise<PageKpis> {
  const rows = await ch.rows<Record<string, string>>(
    sql`SELECT ${selectOf(PAGE_KPI_COUNTS)} FROM events_raw WHERE ${pageFormWhere(filter, PAGE_EVENTS)}`,
  );
  return withRate(countsOf(PAGE_KPI_COUNTS, rows[0]));
}

/** Visits, unique visitors and submissions per local day; days without any are absent. */
export async function pageOverTime(ch: QueryRunner, filter: PageFormFilter): Promise<PageDay[]> {
  const { visits, uniqueVisitors, submissions } = PAGE_KPI_COUNTS;
  const perDay = { visits, uniqueVisitors, submissions };
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT ${rawLocalDay(filter.timeZone)} AS local_day, ${selectOf(perDay)}
    FROM events_raw WHERE ${pageFormWhere(filter, PAGE_EVENTS)} AND machine = 0
    GROUP BY local_day ORDER BY local_day`);
  return rows.map((row) => ({ day: row.local_day ?? '', ...countsOf(perDay, row) }));
}

/** Human visits and unique visitors by the client address's country; most visitors first, unknown last among equals. */
export async function pageGeography(ch: QueryRunner, filter: PageFormFilter): Promise<PageCountry[]> {
  const { visits, uniqueVisitors } = PAGE_KPI_COUNTS;
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT ${COUNTRY} AS country, ${selectOf({ visits, uniqueVisitors })}
    FROM events_raw WHERE ${pageFormWhere(filter, ['page_visited'])} AND machine = 0
    GROUP BY country ORDER BY uniqueVisitors DESC, visits DESC, country = '', country`);
  return rows.map((row) => ({
    country: row.country ? row.country : null,
    visits: num(row.visits),
    uniqueVisitors: num(row.uniqueVisitors),
  }));
}

/** The form's KPI card: submissions and what they did to contacts and leads. */
export async function formInsights(ch: QueryRunner, filter: PageFormFilter): Promise<FormKpis> {
  const rows = await ch.rows<Record<string, string>>(
    sql`SELECT ${selectOf(FORM_KPI_COUNTS)} FROM events_raw WHERE ${pageFormWhere(filter, ['form_submitted'])}`,
  );
  return countsOf(FORM_KPI_COUNTS, rows[0]);
}

/** The form's KPI card per local day; days without submissions are absent. */
export async function formOverTime(ch: QueryRunner, filter: PageFormFilter): Promise<FormDay[]> {
  const rows = await ch.rows<Record<string, string>>(sql`
    SELECT ${rawLocalDay(filter.timeZone)} AS local_day, ${selectOf(FORM_KPI_COUNTS)}
    FROM events_raw WHERE ${pageFormWhere(filter, ['form_submitted'])} AND machine = 0
    GROUP BY local_day ORDER BY local_day`);
  return rows.map((row) => ({ day: row.local_day ?? '', ...countsOf(FORM_KPI_COUNTS, row) }));
}
