import { CairnError } from '../errors';
import { join, sql, type Sql } from '../clickhouse/sql';

/** Anything that runs a bound query and returns rows: the ClickHouse client, or chdb in the dialect test. */
export interface QueryRunner {
  rows<T>(query: Sql): Promise<T[]>;
}

/** Filters shared by the email insights (GUIDE section 8; seed 004: date range and "which journey"). */
export interface EmailFilter {
  workspaceId: string;
  emailId: string;
  /** only this journey's sends of the email; all journeys when absent */
  journeyId?: string;
  emailVersion?: number;
  /** inclusive UTC days */
  from?: Date;
  to?: Date;
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

export function emailWhere(filter: EmailFilter): Sql {
  const parts = [sql`workspace_id = ${filter.workspaceId}`, sql`email_id = ${filter.emailId}`];
  if (filter.journeyId !== undefined) parts.push(sql`journey_id = ${filter.journeyId}`);
  if (filter.emailVersion !== undefined) parts.push(sql`email_version = ${filter.emailVersion}`);
  parts.push(...dayRange(sql`day`, filter.from, filter.to));
  return join(parts, ' AND ');
}

/** ClickHouse returns UInt64 as JSON strings; every count passes through here. */
export const num = (value: unknown): number => Number(value ?? 0) || 0;
