import { ClickHouse, serverClient, type ClickHouseOptions } from '../clickhouse/clickhouse-client';
import { ident, raw, sql } from '../clickhouse/sql';
import { splitStatements, type MigrationFile } from './migration-files';
import type { MigrationTarget } from './migration-runner';

/**
 * ClickHouse has no transactions: each statement in a migration must be idempotent (IF NOT EXISTS), so a
 * file interrupted half-way is simply re-run. The ledger row is written after the last statement.
 */
export class ClickHouseMigrationTarget implements MigrationTarget {
  readonly kind = 'clickhouse';
  private readonly db: ClickHouse;

  constructor(private readonly options: ClickHouseOptions) {
    this.db = new ClickHouse(options);
  }

  async ensureLedger(): Promise<void> {
    const server = serverClient(this.options);
    try {
      await server.exec(sql`CREATE DATABASE IF NOT EXISTS ${ident(this.options.database)}`);
    } finally {
      await server.close();
    }
    await this.db.exec(
      raw.trusted(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name String, checksum String, applied_at DateTime DEFAULT now()) ' +
          'ENGINE = MergeTree ORDER BY name',
      ),
    );
  }

  async applied(): Promise<Map<string, string>> {
    const rows = await this.db.rows<{ name: string; checksum: string }>(
      raw.trusted('SELECT name, any(checksum) AS checksum FROM schema_migrations GROUP BY name'),
    );
    return new Map(rows.map((row) => [row.name, row.checksum]));
  }

  async apply(file: MigrationFile): Promise<void> {
    for (const statement of splitStatements(file.sql)) await this.db.exec(raw.trusted(statement));
    await this.db.insert('schema_migrations', [{ name: file.name, checksum: file.checksum }]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
