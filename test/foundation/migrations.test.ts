import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { serverClient } from '../../lib/platform/clickhouse/clickhouse-client';
import { ident, sql } from '../../lib/platform/clickhouse/sql';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { ClickHouseMigrationTarget } from '../../lib/platform/migrations/clickhouse-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { baseConfig, uniqueName } from '../support/test-env';

const clickhouseFiles = readMigrations(join(SQL_DIR, 'clickhouse'));

describe('ClickHouse migrations', () => {
  it('apply on current ClickHouse (chdb, no server): nothing relies on 18.16-only syntax', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-'));
    const session = new Session(dir);
    try {
      const applied = await migrate(new ChdbMigrationTarget(session, 'cairn_check'), clickhouseFiles);
      expect(applied).toEqual(clickhouseFiles.map((file) => file.name));
      const tables = session.query("SELECT name FROM system.tables WHERE database = 'cairn_check'", 'JSONEachRow');
      expect(tables).toContain('events_raw');
      // 0140 dropped 0090's per-email glossary table and its view; 0130's per-tile one replaced them
      expect(tables).toContain('"kpi_email_tile_glossary"');
      expect(tables).not.toMatch(/"(events_ingest_to_)?kpi_email_glossary"/);
    } finally {
      session.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('apply on the ClickHouse 18.16 server, once, and a second run applies nothing', async () => {
    const database = uniqueName('cairn_mig');
    const target = new ClickHouseMigrationTarget({ url: baseConfig.clickhouseUrl, database });
    try {
      expect(await migrate(target, clickhouseFiles)).toHaveLength(clickhouseFiles.length);
      expect(await migrate(target, clickhouseFiles)).toEqual([]);
      const server = serverClient({ url: baseConfig.clickhouseUrl, database });
      const emailGlossary = await server
        .rows<{ name: string }>(
          sql`SELECT name FROM system.tables WHERE database = ${database} AND name LIKE '%kpi_email%glossary' ORDER BY name`,
        )
        .finally(() => server.close());
      expect(emailGlossary.map((t) => t.name)).toEqual([
        'events_ingest_to_kpi_email_tile_glossary',
        'kpi_email_tile_glossary',
      ]);
      const edited = clickhouseFiles.map((file, i) => (i === 0 ? { ...file, checksum: 'edited' } : file));
      await expect(migrate(target, edited)).rejects.toMatchObject({ code: 'MIGRATION_EDITED' });
    } finally {
      await target.close();
      const server = serverClient({ url: baseConfig.clickhouseUrl, database: 'default' });
      await server.exec(sql`DROP DATABASE IF EXISTS ${ident(database)}`).finally(() => server.close());
    }
  });
});

describe('migration files', () => {
  it('refuses duplicate numbers and misnamed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-mig-'));
    try {
      writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
      writeFileSync(join(dir, '0001_b.sql'), 'SELECT 2;');
      expect(() => readMigrations(dir)).toThrow(/share a number.*0001_a\.sql and 0001_b\.sql/);
      rmSync(join(dir, '0001_b.sql'));
      writeFileSync(join(dir, '2_bad.sql'), 'SELECT 3;');
      expect(() => readMigrations(dir)).toThrow(/NNNN_lower_snake/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
