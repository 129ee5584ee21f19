import type { Pool } from 'pg';
import { join, sql } from '../../lib/platform/clickhouse/sql';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';
import { writeZoneOffsets, zonesWithoutOffsets } from './time-zone-offsets';

const PAGE = 10_000;

interface ContactZoneRow {
  workspace_id: string;
  id: string;
  time_zone: string;
  updated_at: Date;
  /** the exact timestamp (microseconds) as PostgreSQL prints it: the keyset cursor, which a Date would round */
  cursor: string;
}

/** Where the last sync stopped: the newest contacts.updated_at copied (second precision, as ClickHouse keeps it). */
async function watermark(ch: ClickHouseCommands): Promise<Date> {
  const rows = await ch.rows<{ seconds: string }>(
    sql`SELECT toUInt32(max(updated_at)) AS seconds FROM contact_time_zones`,
  );
  return new Date(Number(rows[0]?.seconds ?? 0) * 1000);
}

/**
 * Copies contacts' time zones (PostgreSQL, the system of record) to ClickHouse's contact_time_zones, then writes the
 * offsets of every zone newly in use (time-zone-offsets.ts). Incremental by contacts.updated_at, which every contact
 * write sets: a run starts at the newest second already copied (rows of that second are copied again, harmlessly:
 * the latest copy wins by updated_at), so an interrupted run or two overlapping runs lose and double nothing.
 * A contact without a zone is copied as '' and its events stay in UTC.
 */
export async function syncContactTimeZones(
  pool: Pool,
  ch: ClickHouseCommands,
  pageSize = PAGE,
): Promise<{ contacts: number; zones: string[] }> {
  let after = { at: (await watermark(ch)).toISOString(), id: '' };
  let contacts = 0;
  for (;;) {
    const { rows } = await pool.query<ContactZoneRow>(
      `SELECT workspace_id::text, id::text, coalesce(time_zone, '') AS time_zone, updated_at, updated_at::text AS cursor
       FROM contacts WHERE (updated_at, id::text) > ($1::timestamptz, $2) ORDER BY updated_at, id::text LIMIT $3`,
      [after.at, after.id, pageSize],
    );
    const last = rows[rows.length - 1];
    if (!last) break;
    const values = rows.map((row) => sql`(${row.workspace_id}, ${row.id}, ${row.time_zone}, ${row.updated_at})`);
    await ch.exec(
      sql`INSERT INTO contact_time_zones (workspace_id, contact_id, time_zone, updated_at) VALUES ${join(values)}`,
    );
    contacts += rows.length;
    after = { at: last.cursor, id: last.id };
  }
  return { contacts, zones: await writeZoneOffsets(ch, await zonesWithoutOffsets(ch)) };
}
