import { Pool } from 'pg';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { sql } from '../../lib/platform/clickhouse/sql';
import { syncContactTimeZones } from '../../services/aggregator/contact-time-zone-sync';
import { eraseContact } from '../../services/api/erase-contact';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';

/** Contacts' time zones from PostgreSQL to ClickHouse for the engagement dashboard, on the real local stack. */
describe('time-zone sync (PostgreSQL contacts → ClickHouse)', () => {
  let env: TestEnv;
  let pool: Pool;
  const workspaceId = newId();
  const [oslo, kathmandu, none] = [newId(), newId(), newId()];

  const zones = async () =>
    Object.fromEntries(
      (await env.clickhouse.rows<{ contact_id: string; zone: string }>(sql`
        SELECT contact_id, argMax(time_zone, updated_at) AS zone FROM contact_time_zones WHERE workspace_id = ${workspaceId} GROUP BY contact_id`))
        .map((row) => [row.contact_id, row.zone]),
    );

  // The sync and the erasure run as their own ClickHouse users, as in production (issue 20, defect 3).
  let sync: ClickHouse;
  let erasure: ClickHouse;

  beforeAll(async () => {
    env = await createTestEnv('cairn_tzsync');
    const logins = await env.clickhouseLogins();
    sync = new ClickHouse({ url: env.settings.clickhouseUrl, database: env.clickhouseDatabase, ...logins.time_zone_sync });
    erasure = new ClickHouse({ url: env.settings.clickhouseUrl, database: env.clickhouseDatabase, ...logins.erasure });
    pool = new Pool({ connectionString: env.postgresUrl, max: 2 });
    await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [workspaceId, 'time zones']);
    await pool.query(
      `INSERT INTO contacts (id, workspace_id, email, time_zone, updated_at) VALUES
         ($1, $4, 'a@x.test', 'Europe/Oslo', now() - interval '2 days'),
         ($2, $4, 'b@x.test', 'Asia/Kathmandu', now() - interval '1 day'),
         ($3, $4, 'c@x.test', NULL, now() - interval '1 day')`,
      [oslo, kathmandu, none, workspaceId],
    );
  });

  afterAll(async () => {
    await Promise.allSettled([sync?.close(), erasure?.close()]);
    await pool?.end();
    await env?.cleanup();
  });

  it('copies every contact\'s zone and writes the offsets of the zones in use', async () => {
    const first = await syncContactTimeZones(pool, sync);
    expect(first.contacts).toBe(3);
    expect(first.zones).toEqual(['Asia/Kathmandu', 'Europe/Oslo']);
    expect(await zones()).toEqual({ [oslo]: 'Europe/Oslo', [kathmandu]: 'Asia/Kathmandu', [none]: '' });
    const offsets = await env.clickhouse.rows<{ time_zone: string; rows: string }>(sql`
      SELECT time_zone, count() AS rows FROM time_zone_offsets GROUP BY time_zone ORDER BY time_zone`);
    expect(offsets.map((row) => [row.time_zone, Number(row.rows)])).toEqual([['Asia/Kathmandu', 1], ['Europe/Oslo', 121]]);
  });

  it('picks up a changed zone on the next run; the latest copy wins and no zone is written twice', async () => {
    await pool.query("UPDATE contacts SET time_zone = 'America/New_York', updated_at = now() WHERE id = $1", [oslo]);
    const second = await syncContactTimeZones(pool, sync);
    expect(second.contacts).toBeGreaterThanOrEqual(1);
    expect(second.zones).toEqual(['America/New_York']);
    expect((await zones())[oslo]).toBe('America/New_York');
    const again = await syncContactTimeZones(pool, sync);
    expect(again.zones).toEqual([]);
    expect(await zones()).toEqual({ [oslo]: 'America/New_York', [kathmandu]: 'Asia/Kathmandu', [none]: '' });
  });

  it('pages through contacts written in one statement (one updated_at) without skipping or looping', async () => {
    const [first, second] = [newId(), newId()];
    await pool.query(
      `INSERT INTO contacts (id, workspace_id, email, time_zone) VALUES ($1, $3, 'd@x.test', 'Europe/Oslo'), ($2, $3, 'e@x.test', 'Asia/Kathmandu')`,
      [first, second, workspaceId],
    );
    await syncContactTimeZones(pool, sync, 1);
    expect(await zones()).toMatchObject({ [first]: 'Europe/Oslo', [second]: 'Asia/Kathmandu' });
  });

  it('forgets an erased contact\'s zone', async () => {
    await eraseContact(erasure, { workspaceId, contactId: kathmandu });
    expect(Object.keys(await zones())).not.toContain(kathmandu);
    expect(Object.keys(await zones())).toContain(oslo);
  });
});
