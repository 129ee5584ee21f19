import { CairnError } from '../platform/errors';
import { join, raw, sql, type Sql } from '../platform/clickhouse/sql';
import { checkedTimeZone, periodWhere, type Period, type QueryRunner } from './insights-filters';

const SOURCE = /\bFROM\s+(`?\w+`?\.)?`?events_ingest`?(?=\s|$)/;

/**
 * NOTE: the view's SELECT, as the server stores it, is the one definition of a KPI table's rows: a rebuild reads
 * it back (system.tables.create_table_query, on 18.16 and current ClickHouse) and points it at the raw events
 * instead of the ingest table, so a rebuild can never drift from the view. States merge by event_id, so rows
 * rebuilt twice, or rebuilt while the aggregator writes, count nothing twice.
 */
export async function viewSelectOverRaw(ch: QueryRunner, view: string, rawWhere: Sql): Promise<Sql> {
  const rows = await ch.rows<{ q: string }>(sql`
    SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = ${view}`);
  const query = rows[0]?.q ?? '';
  const start = query.search(/\bAS\s+SELECT\b/i);
  if (start < 0 || !SOURCE.test(query)) throw new CairnError('MIGRATION_FAILED', `view ${view} is missing or does not read events_ingest`);
  const select = query.slice(start).replace(/^AS\s+/i, '');
  // trusted: the text comes from our own migration; only rawWhere carries values, bound by the sql helper
  return raw.trusted(select.replace(SOURCE, `FROM (SELECT * FROM events_raw WHERE ${rawWhere.text})`));
}

/** Contacts to count (an account's); none matches nothing (18.16 cannot type an empty array literal for has()). */
export function contactCondition(contactIds: readonly string[]): Sql {
  return contactIds.length === 0 ? sql`0 = 1` : sql`has(${[...contactIds]}, contact_id)`;
}

/** The KPI tables the insights read (sql/clickhouse 0090, 0100); each is fed by the view events_ingest_to_<table>. */
const KPI_TABLES = { email: 'kpi_email_glossary', tile: 'kpi_tile_glossary', email_geography: 'kpi_email_geography' } as const;
export type KpiTable = keyof typeof KPI_TABLES;

/**
 * What the insights read FROM: the glossary KPI table, or, for a subset of contacts (an account filter), the same
 * rows derived on the fly from that subset's raw events by the table's own view SELECT. The KPI queries above it
 * are the same either way, so a definition never has a second, per-account copy.
 */
export async function kpiSource(
  ch: QueryRunner,
  kind: KpiTable,
  scope: Period & { workspaceId: string; owner: Sql; contactIds?: readonly string[] },
): Promise<Sql> {
  const table = KPI_TABLES[kind];
  if (scope.contactIds === undefined) return raw.trusted(table);
  // the raw rows are pruned by UTC day with a day's margin; the KPI query above applies the exact local days
  const days = periodWhere(scope, sql`substring(toString(event_time, ${checkedTimeZone(scope.timeZone)}), 1, 10)`, sql`event_date`);
  const where = join([sql`workspace_id = ${scope.workspaceId}`, scope.owner, contactCondition(scope.contactIds), ...days], ' AND ');
  return sql`(${await viewSelectOverRaw(ch, `events_ingest_to_${table}`, where)})`;
}
