import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';
import { ident, sql } from '../../lib/platform/clickhouse/sql';

/**
 * Tables with monthly partitions (toYYYYMM of the event day). 18.16 has no TTL, so retention drops whole
 * months: cheap (a file operation, no rewrite), and a month's raw events and its KPI rows go together, so the
 * KPIs that remain still equal the recount from the raw events that remain. kafka_offsets is never dropped.
 * dead_letters (0120) ages out with the events it was refused among.
 */
export const MONTHLY_TABLES = [
  'events_raw',
  'kpi_email_daily',
  'kpi_tile_daily',
  'kpi_tile_glossary',
  'kpi_email_geography',
  'kpi_email_tile_glossary',
  'contact_events',
  'dead_letters',
  'engagement_events',
] as const;

/** YYYYMM of the oldest month kept when keeping `keepMonths` months including the current one. */
export function oldestKeptMonth(now: Date, keepMonths: number): number {
  const months = now.getUTCFullYear() * 12 + now.getUTCMonth() - (keepMonths - 1);
  return Math.floor(months / 12) * 100 + (months % 12) + 1;
}

/** Drops every monthly partition older than the retention window; returns what it dropped. */
export async function dropExpiredPartitions(
  ch: ClickHouseCommands,
  options: { keepMonths: number; now?: Date },
): Promise<{ table: string; partition: string }[]> {
  if (!Number.isInteger(options.keepMonths) || options.keepMonths < 1)
    throw new Error('keepMonths must be a positive integer');
  const cutoff = oldestKeptMonth(options.now ?? new Date(), options.keepMonths);
  const rows = await ch.rows<{ table: string; partition: string }>(sql`
    SELECT DISTINCT table, partition FROM system.parts
    WHERE database = currentDatabase() AND active AND has(${[...MONTHLY_TABLES]}, table)`);
  const expired = rows.filter((row) => /^\d{6}$/.test(row.partition) && Number(row.partition) < cutoff);
  for (const { table, partition } of expired) {
    await ch.exec(sql`ALTER TABLE ${ident(table)} DROP PARTITION ${Number(partition)}`);
  }
  return expired;
}
