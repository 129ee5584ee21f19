import { join } from 'node:path';
import type { Logger } from '../logger';
import { createPgPool, ensureDatabase } from '../postgres/pg-pool';
import { ClickHouseMigrationTarget } from './clickhouse-target';
import { readMigrations } from './migration-files';
import { migrate } from './migration-runner';
import { PostgresMigrationTarget } from './postgres-target';

export const SQL_DIR = join(__dirname, '..', '..', '..', 'sql');

export interface MigrationSettings {
  clickhouseUrl: string;
  clickhouseDatabase: string;
  clickhouseUser: string;
  clickhousePassword: string;
  postgresUrl: string;
}

/** Applies sql/clickhouse and sql/postgres; creates the databases first when missing. */
export async function migrateAll(
  settings: MigrationSettings,
  log?: Logger,
): Promise<{ clickhouse: string[]; postgres: string[] }> {
  const ch = new ClickHouseMigrationTarget({
    url: settings.clickhouseUrl,
    database: settings.clickhouseDatabase,
    user: settings.clickhouseUser,
    password: settings.clickhousePassword,
  });
  await ensureDatabase(settings.postgresUrl);
  const pool = createPgPool(settings.postgresUrl, 2);
  try {
    const clickhouse = await migrate(ch, readMigrations(join(SQL_DIR, 'clickhouse')), log);
    const postgres = await migrate(new PostgresMigrationTarget(pool), readMigrations(join(SQL_DIR, 'postgres')), log);
    return { clickhouse, postgres };
  } finally {
    await ch.close();
    await pool.end();
  }
}
