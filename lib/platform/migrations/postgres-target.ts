import type { Pool } from 'pg';
import { inTransaction } from '../postgres/pg-pool';
import type { MigrationFile } from './migration-files';
import type { MigrationTarget } from './migration-runner';

/** Each file and its ledger row commit in one transaction; an advisory lock serialises concurrent runners. */
export class PostgresMigrationTarget implements MigrationTarget {
  readonly kind = 'postgres';

  constructor(private readonly pool: Pool) {}

  async ensureLedger(): Promise<void> {
    await this.pool.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
  }

  async applied(): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    );
    return new Map(rows.map((row) => [row.name, row.checksum]));
  }

  async apply(file: MigrationFile): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(7347001)');
      const { rowCount } = await client.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file.name]);
      if (rowCount) return; // applied by a concurrent runner while we waited for the lock
      await client.query(file.sql);
      await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
    });
  }
}
