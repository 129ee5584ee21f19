import { CairnError } from '../../platform/errors';
import { ident, raw, sql, type Sql } from '../../platform/clickhouse/sql';
import { waitForMutations, type ClickHouseCommands } from '../../platform/clickhouse/clickhouse-mutations';

const SOURCE = /\bFROM\s+(`?\w+`?\.)?`?events_ingest`?(?=\s|$)/;

/**
 * NOTE: the view's SELECT, as the server stores it, is the one definition of a KPI table's rows: a rebuild reads
 * it back (system.tables.create_table_query, on 18.16 and current ClickHouse) and points it at the raw events
 * instead of the ingest table, so a rebuild can never drift from the view. States merge by event_id, so rows
 * rebuilt twice, or rebuilt while the aggregator writes, count nothing twice.
 */
export async function viewSelectOverRaw(
  ch: Pick<ClickHouseCommands, 'rows'>,
  view: string,
  rawWhere: Sql,
): Promise<Sql> {
  const rows = await ch.rows<{ q: string }>(sql`
    SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = ${view}`);
  const query = rows[0]?.q ?? '';
  const start = query.search(/\bAS\s+SELECT\b/i);
  if (start < 0 || !SOURCE.test(query))
    throw new CairnError('MIGRATION_FAILED', `view ${view} is missing or does not read events_ingest`);
  const select = query.slice(start).replace(/^AS\s+/i, '');
  // trusted: the text comes from our own migration; only rawWhere carries values, bound by the sql helper
  return raw.trusted(select.replace(SOURCE, `FROM (SELECT * FROM events_raw WHERE ${rawWhere.text})`));
}

/**
 * Every KPI table and the materialized view (sql/clickhouse 0010, 0090, 0100, 0130) that feeds it from events_ingest;
 * 0140 dropped 0090's kpi_email_glossary, which kpi_email_tile_glossary replaced.
 */
export const KPI_VIEWS = [
  { view: 'events_ingest_to_kpi_email', table: 'kpi_email_daily', owner: 'email_id' },
  { view: 'events_ingest_to_kpi_tile', table: 'kpi_tile_daily', owner: 'journey_id' },
  { view: 'events_ingest_to_kpi_tile_glossary', table: 'kpi_tile_glossary', owner: 'journey_id' },
  { view: 'events_ingest_to_kpi_email_geography', table: 'kpi_email_geography', owner: 'email_id' },
  { view: 'events_ingest_to_kpi_email_tile_glossary', table: 'kpi_email_tile_glossary', owner: 'email_id' },
] as const;

export type KpiView = (typeof KPI_VIEWS)[number];

/** Re-derives a KPI table's rows matching rawWhere from events_raw (after deleting them, when asked). */
export async function rebuildKpiFromRaw(
  ch: ClickHouseCommands,
  kpi: KpiView,
  rawWhere: Sql,
  kpiWhere?: Sql,
): Promise<void> {
  const table = ident(kpi.table);
  const select = await viewSelectOverRaw(ch, kpi.view, rawWhere);
  if (kpiWhere) {
    await ch.exec(sql`ALTER TABLE ${table} DELETE WHERE ${kpiWhere}`);
    await waitForMutations(ch, table);
  }
  await ch.exec(sql`INSERT INTO ${table} ${select}`);
}
