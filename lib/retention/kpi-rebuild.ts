import { ident, sql, type Sql } from '../platform/clickhouse/sql';
import { viewSelectOverRaw } from '../insights/kpi-source';
import { waitForMutations, type ClickHouseCommands } from '../platform/clickhouse/clickhouse-mutations';

/** Every KPI table and the materialized view (sql/clickhouse 0010, 0090, 0100) that feeds it from events_ingest. */
export const KPI_VIEWS = [
  { view: 'events_ingest_to_kpi_email', table: 'kpi_email_daily', owner: 'email_id' },
  { view: 'events_ingest_to_kpi_tile', table: 'kpi_tile_daily', owner: 'journey_id' },
  { view: 'events_ingest_to_kpi_email_glossary', table: 'kpi_email_glossary', owner: 'email_id' },
  { view: 'events_ingest_to_kpi_tile_glossary', table: 'kpi_tile_glossary', owner: 'journey_id' },
  { view: 'events_ingest_to_kpi_email_geography', table: 'kpi_email_geography', owner: 'email_id' },
] as const;

export type KpiView = (typeof KPI_VIEWS)[number];

/** Re-derives a KPI table's rows matching rawWhere from events_raw (after deleting them, when asked). */
export async function rebuildKpiFromRaw(ch: ClickHouseCommands, kpi: KpiView, rawWhere: Sql, kpiWhere?: Sql): Promise<void> {
  const table = ident(kpi.table);
  const select = await viewSelectOverRaw(ch, kpi.view, rawWhere);
  if (kpiWhere) {
    await ch.exec(sql`ALTER TABLE ${table} DELETE WHERE ${kpiWhere}`);
    await waitForMutations(ch, table);
  }
  await ch.exec(sql`INSERT INTO ${table} ${select}`);
}
