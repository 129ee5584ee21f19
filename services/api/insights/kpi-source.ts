import { join, raw, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { viewSelectOverRaw } from '../../../lib/domain/kpis/kpi-rebuild';
import { checkedTimeZone, periodWhere, type Period, type QueryRunner } from './insights-filters';

/** Contacts to count (an account's); none matches nothing (18.16 cannot type an empty array literal for has()). */
export function contactCondition(contactIds: readonly string[]): Sql {
  return contactIds.length === 0 ? sql`0 = 1` : sql`has(${[...contactIds]}, contact_id)`;
}

/** The KPI tables the insights read (sql/clickhouse 0090, 0100, 0130); each is fed by the view events_ingest_to_<table>. */
const KPI_TABLES = {
  email: 'kpi_email_tile_glossary',
  tile: 'kpi_tile_glossary',
  email_geography: 'kpi_email_geography',
} as const;
export type KpiTable = keyof typeof KPI_TABLES;

/**
 * What the insights read FROM: the glossary KPI table, or, for a subset of contacts (an account filter) or raw
 * conditions on a column the table does not keep (`rawOnly`: a tile for geography, an iteration for email KPIs), the
 * same rows derived on the fly from the matching raw events by the table's own view SELECT. The KPI queries above it
 * are the same either way, so a definition never has a second, per-account copy.
 */
export async function kpiSource(
  ch: QueryRunner,
  kind: KpiTable,
  scope: Period & { workspaceId: string; owner: Sql; contactIds?: readonly string[]; rawOnly?: readonly Sql[] },
): Promise<Sql> {
  const table = KPI_TABLES[kind];
  const rawOnly = scope.rawOnly ?? [];
  if (scope.contactIds === undefined && rawOnly.length === 0) return raw.trusted(table);
  // the raw rows are pruned by UTC day with a day's margin; the KPI query above applies the exact local days
  const days = periodWhere(
    scope,
    sql`substring(toString(event_time, ${checkedTimeZone(scope.timeZone)}), 1, 10)`,
    sql`event_date`,
  );
  const where = join(
    [
      sql`workspace_id = ${scope.workspaceId}`,
      scope.owner,
      ...(scope.contactIds === undefined ? [] : [contactCondition(scope.contactIds)]),
      ...rawOnly,
      ...days,
    ],
    ' AND ',
  );
  return sql`(${await viewSelectOverRaw(ch, `events_ingest_to_${table}`, where)})`;
}
