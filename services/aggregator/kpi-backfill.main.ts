import { sql } from '../../lib/platform/clickhouse/sql';
import { KPI_VIEWS, rebuildKpiFromRaw } from '../../lib/domain/kpis/kpi-rebuild';
import { runClickHouseJob } from './clickhouse-job';

/**
 * One run after migration 0090 (and after 0100 and 0130): fills the glossary, geography and tile KPI tables from every raw event,
 * month by month, with the views' own SELECTs. Safe while the aggregator runs and safe to run again (states merge
 * by event_id). 0010's daily tables were fed from the start and are left alone.
 */
void runClickHouseJob('kpi-backfill', async (ch, log) => {
  const months = await ch.rows<{ m: number }>(
    sql`SELECT DISTINCT toYYYYMM(event_date) AS m FROM events_raw ORDER BY m`,
  );
  for (const kpi of KPI_VIEWS.filter((view) => !view.table.endsWith('_daily'))) {
    for (const { m } of months) await rebuildKpiFromRaw(ch, kpi, sql`toYYYYMM(event_date) = ${Number(m)}`);
    log.info({ table: kpi.table, months: months.length }, 'kpi_backfill_done');
  }
});
