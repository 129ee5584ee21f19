import { ClickHouse, serverClient } from '../../lib/platform/clickhouse/clickhouse-client';
import { ident, sql, type Sql } from '../../lib/platform/clickhouse/sql';
import { toRawRow } from '../../services/aggregator/event-row';
import { emailEvent } from '../aggregator/aggregator-harness';
import type { ClickHouseLogins, ClickHouseRole } from '../support/clickhouse-users';
import { createTestEnv, uniqueName, type TestEnv } from '../support/test-env';

const READONLY = /readonly mode|read-only|READONLY/i;
const NO_DDL = /DDL queries are prohibited/;
const NO_ACCESS = /Access denied to database/;

/**
 * Issue 20, defect 3: every process talked to ClickHouse as the all-powerful `default` user. Now each has its own
 * (stack/clickhouse/users.d/cairn-users.xml), here on the real 18.16 server, each allowed only this run's database.
 * On main none of these users exists, so every login below fails. The processes' own paths run as these users in
 * the tests that cover them: the API kit (API and erasure users), known-stream (aggregator), retention-erasure,
 * time-zone-sync.
 */
describe('least-privilege ClickHouse users (issue 20, defect 3)', () => {
  let env: TestEnv;
  let logins: ClickHouseLogins;
  const other = uniqueName('cairn_chusers_other');
  const clients: ClickHouse[] = [];

  const as = (role: ClickHouseRole, database?: string): ClickHouse => {
    const client = new ClickHouse({
      url: env.settings.clickhouseUrl,
      database: database ?? env.clickhouseDatabase,
      ...logins[role],
    });
    clients.push(client);
    return client;
  };
  const query = (ch: ClickHouse, statement: Sql, settings: Record<string, string | number> = {}) =>
    ch.client
      .query({ query: statement.text, format: 'JSONEachRow', clickhouse_settings: settings })
      .then((result) => result.json());
  const command = (ch: ClickHouse, statement: Sql, settings: Record<string, string | number> = {}) =>
    ch.client.command({ query: statement.text, clickhouse_settings: settings });
  const oneRow = (ch: ClickHouse) =>
    ch.insert('events_ingest', [
      { ...toRawRow(emailEvent('open', { workspace_id: 'w' })), kafka_topic: 't', kafka_partition: 0, kafka_offset: 0 },
    ]);

  beforeAll(async () => {
    env = await createTestEnv('cairn_chusers');
    logins = await env.clickhouseLogins();
    await env.clickhouse.exec(sql`CREATE DATABASE ${ident(other)}`);
    await env.clickhouse.exec(sql`CREATE TABLE ${ident(other)}.secrets (x UInt8) ENGINE = Memory`);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    const server = serverClient({ url: env.settings.clickhouseUrl, database: 'default' });
    await server.exec(sql`DROP DATABASE IF EXISTS ${ident(other)}`).finally(() => server.close());
    await env?.cleanup();
  });

  it('the API user reads its database and cannot INSERT, ALTER, DROP, CREATE, change settings or read another database', async () => {
    const api = as('api');
    expect(await api.rows(sql`SELECT count() AS n FROM events_raw`)).toEqual([{ n: '0' }]);
    await expect(oneRow(api)).rejects.toThrow(READONLY);
    await expect(api.exec(sql`ALTER TABLE events_raw DELETE WHERE 1 = 1`)).rejects.toThrow(READONLY);
    await expect(api.exec(sql`DROP TABLE events_raw`)).rejects.toThrow(READONLY);
    await expect(api.exec(sql`CREATE TABLE t (x UInt8) ENGINE = Memory`)).rejects.toThrow(READONLY);
    await expect(api.rows(sql`SELECT count() FROM ${ident(other)}.secrets`)).rejects.toThrow(NO_ACCESS);
    await expect(as('api', other).rows(sql`SELECT 1`)).rejects.toThrow(NO_ACCESS);
    // readonly=1: not even a setting, so not the one that would lift it, nor a writable profile
    await expect(query(api, sql`SELECT 1`, { readonly: 0 })).rejects.toThrow(READONLY);
    await expect(query(api, sql`SELECT 1`, { profile: 'cairn_ddl' })).rejects.toThrow(READONLY);
    expect(await env.clickhouse.rows(sql`EXISTS TABLE events_raw`)).toEqual([{ result: 1 }]);
  });

  it("Grafana's user may set max_execution_time (its data source does) but writes nothing, whichever profile it names", async () => {
    const grafana = as('grafana');
    expect(await query(grafana, sql`SELECT 1 AS one`, { max_execution_time: 10 })).toEqual([{ one: 1 }]);
    await expect(oneRow(grafana)).rejects.toThrow(READONLY);
    await expect(grafana.exec(sql`ALTER TABLE events_raw DELETE WHERE 1 = 1`)).rejects.toThrow(READONLY);
    await expect(grafana.exec(sql`DROP TABLE events_raw`)).rejects.toThrow(READONLY);
    await expect(query(grafana, sql`SELECT 1`, { readonly: 0 })).rejects.toThrow(READONLY);
    // 18.16 lets a readonly=2 user switch profile per query; no Cairn profile sets readonly, so none writes
    for (const profile of ['cairn_ddl', 'cairn_writer', 'default']) {
      await expect(command(grafana, sql`CREATE TABLE t (x UInt8) ENGINE = Memory`, { profile })).rejects.toThrow(
        READONLY,
      );
      await expect(command(grafana, sql`DROP TABLE events_raw`, { profile })).rejects.toThrow(READONLY);
    }
    await expect(grafana.rows(sql`SELECT count() FROM ${ident(other)}.secrets`)).rejects.toThrow(NO_ACCESS);
    expect(await env.clickhouse.rows(sql`EXISTS TABLE events_raw`)).toEqual([{ result: 1 }]);
  });

  it("the aggregator's user inserts, and cannot DROP, ALTER, TRUNCATE, CREATE or read another database", async () => {
    const aggregator = as('aggregator');
    await oneRow(aggregator);
    expect(await env.clickhouse.rows(sql`SELECT count() AS n FROM events_raw`)).toEqual([{ n: '1' }]);
    await expect(aggregator.exec(sql`DROP TABLE events_raw`)).rejects.toThrow(NO_DDL);
    await expect(aggregator.exec(sql`ALTER TABLE events_raw DELETE WHERE 1 = 1`)).rejects.toThrow(NO_DDL);
    await expect(aggregator.exec(sql`TRUNCATE TABLE kafka_offsets`)).rejects.toThrow(NO_DDL);
    await expect(aggregator.exec(sql`CREATE TABLE t (x UInt8) ENGINE = Memory`)).rejects.toThrow(NO_DDL);
    await expect(aggregator.rows(sql`SELECT count() FROM ${ident(other)}.secrets`)).rejects.toThrow(NO_ACCESS);
    await expect(aggregator.exec(sql`INSERT INTO ${ident(other)}.secrets VALUES (1)`)).rejects.toThrow(NO_ACCESS);
  });

  it("the time-zone sync's user writes its tables and alters nothing", async () => {
    const sync = as('time_zone_sync');
    await sync.exec(
      sql`INSERT INTO time_zone_offsets (time_zone, valid_from, offset_seconds) VALUES ('Europe/Oslo', 0, 3600)`,
    );
    await expect(sync.exec(sql`ALTER TABLE contact_time_zones DELETE WHERE 1 = 1`)).rejects.toThrow(NO_DDL);
    await expect(sync.exec(sql`DROP TABLE time_zone_offsets`)).rejects.toThrow(NO_DDL);
    await expect(sync.rows(sql`SELECT count() FROM ${ident(other)}.secrets`)).rejects.toThrow(NO_ACCESS);
  });

  it('the retention, erasure and migration users run mutations and DDL in their database only', async () => {
    for (const role of ['retention', 'erasure', 'migrate'] as const) {
      const ch = as(role);
      await ch.exec(sql`ALTER TABLE events_raw DELETE WHERE workspace_id = 'nobody'`);
      await ch.exec(sql`ALTER TABLE events_raw DROP PARTITION 199001`);
      await expect(ch.rows(sql`SELECT count() FROM ${ident(other)}.secrets`)).rejects.toThrow(NO_ACCESS);
      await expect(ch.exec(sql`DROP TABLE ${ident(other)}.secrets`)).rejects.toThrow(NO_ACCESS);
    }
  });

  it('no Cairn user logs in with a wrong password, nor without one', async () => {
    const wrong = new ClickHouse({
      url: env.settings.clickhouseUrl,
      database: env.clickhouseDatabase,
      user: logins.api.user,
      password: 'wrong',
    });
    const none = new ClickHouse({
      url: env.settings.clickhouseUrl,
      database: env.clickhouseDatabase,
      user: logins.aggregator.user,
      password: '',
    });
    clients.push(wrong, none);
    await expect(wrong.rows(sql`SELECT 1`)).rejects.toThrow(/password/i);
    await expect(none.rows(sql`SELECT 1`)).rejects.toThrow(/password/i);
  });
});
