import { connectionSchema, loadConfig } from '../../lib/platform/config';
import { syncContactTimeZones } from './contact-time-zone-sync';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { runClickHouseJob } from './clickhouse-job';

/**
 * One run of the time-zone sync: contacts' time zones from PostgreSQL to ClickHouse (contact_time_zones) and the
 * offsets of the zones in use (time_zone_offsets), for the engagement dashboard. Incremental; run it from cron.
 */
void runClickHouseJob('time-zone-sync', async (ch, log) => {
  const { postgresUrl } = loadConfig({ postgresUrl: connectionSchema.postgresUrl });
  const pool = createPgPool(postgresUrl, 2);
  try {
    const { contacts, zones } = await syncContactTimeZones(pool, ch);
    log.info({ contacts, newZones: zones.length }, 'time_zone_sync_done');
  } finally {
    await pool.end();
  }
});
