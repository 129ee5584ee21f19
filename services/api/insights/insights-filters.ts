import { CairnError } from '../../../lib/platform/errors';
import { join, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { validTimeZone } from '../journeys/time-zone';

/** Anything that runs a bound query and returns rows: the ClickHouse client, or chdb in the dialect test. */
export interface QueryRunner {
  rows<T>(query: Sql): Promise<T[]>;
}

/**
 * A day range in the workspace's time zone (issue 14, item 11: days are the workspace's, not UTC). from/to are
 * calendar days: their UTC year-month-day is the local day meant (the API parses 'YYYY-MM-DD' at UTC midnight).
 */
export interface Period {
  from?: Date;
  to?: Date;
  /** IANA name, the workspace setting; UTC when absent */
  timeZone?: string;
}

/** Filters shared by the email insights (docs/kpis.md#filters-days-journey-tile-version-account). */
export interface EmailFilter extends Period {
  workspaceId: string;
  emailId: string;
  /** only this journey's sends of the email; all journeys when absent */
  journeyId?: string;
  /** only the messages this tile of the journey sent (docs/kpis.md#filters-days-journey-tile-version-account) */
  tileId?: string;
  emailVersion?: number;
  /** only these contacts' messages (an account's contacts); all contacts when absent */
  contactIds?: readonly string[];
}

/** 'YYYY-MM-DD' of a UTC day; toDate() of this literal parses on 18.16 and current ClickHouse alike. */
export function utcDay(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new CairnError('SQL_BAD_VALUE', 'invalid date');
  return date.toISOString().slice(0, 10);
}

/** Optional day range on a Date column; all values bound by the sql helper. */
export function dayRange(column: Sql, from?: Date, to?: Date): Sql[] {
  const parts: Sql[] = [];
  if (from) parts.push(sql`${column} >= toDate(${utcDay(from)})`);
  if (to) parts.push(sql`${column} <= toDate(${utcDay(to)})`);
  return parts;
}

export function checkedTimeZone(timeZone: string | undefined): string {
  const zone = timeZone ?? 'UTC';
  if (!validTimeZone(zone)) throw new CairnError('SQL_BAD_VALUE', `unknown time zone ${JSON.stringify(zone)}`);
  return zone;
}

/** The local day ('YYYY-MM-DD') of a glossary table's 15-minute UTC bucket in the workspace's time zone. */
export function localDay(timeZone: string | undefined): Sql {
  return sql`substring(toString(bucket, ${checkedTimeZone(timeZone)}), 1, 10)`;
}

const shiftDays = (date: Date, days: number): Date => new Date(Math.max(0, date.getTime() + days * 86_400_000));

/**
 * Local-day range over the glossary tables (0090): the UTC day column prunes partitions with a day's margin
 * (no offset exceeds 14 hours), the bucket's local day decides.
 */
export function periodWhere(period: Period, day: Sql = localDay(period.timeZone), utcDate: Sql = sql`day`): Sql[] {
  const parts: Sql[] = [];
  // the margin is computed here: Date arithmetic in SQL wraps below 1970-01-01 (the Date type's first day)
  if (period.from)
    parts.push(sql`${utcDate} >= toDate(${utcDay(shiftDays(period.from, -1))})`, sql`${day} >= ${utcDay(period.from)}`);
  if (period.to)
    parts.push(sql`${utcDate} <= toDate(${utcDay(shiftDays(period.to, 1))})`, sql`${day} <= ${utcDay(period.to)}`);
  return parts;
}

/** The email filter's conditions; day and utcDate name the local-day expression and the UTC Date column. */
export function emailFilterParts(filter: EmailFilter, day?: Sql, utcDate?: Sql): Sql[] {
  const parts = [sql`workspace_id = ${filter.workspaceId}`, sql`email_id = ${filter.emailId}`];
  if (filter.journeyId !== undefined) parts.push(sql`journey_id = ${filter.journeyId}`);
  if (filter.tileId !== undefined) parts.push(sql`tile_id = ${filter.tileId}`);
  if (filter.emailVersion !== undefined) parts.push(sql`email_version = ${filter.emailVersion}`);
  parts.push(...periodWhere(filter, day, utcDate));
  return parts;
}

export function emailWhere(filter: EmailFilter): Sql {
  return join(emailFilterParts(filter), ' AND ');
}

/** ClickHouse returns UInt64 as JSON strings; every count passes through here. */
export const num = (value: unknown): number => Number(value ?? 0) || 0;
