import { splitStatements, type MigrationFile } from './migration-files';
import type { MigrationTarget } from './migration-runner';

interface ChdbSession {
  query(sql: string, format?: string): string;
}

/**
 * Current ClickHouse (embedded by the chdb package) as a migration target, with no server: proves the schema
 * and queries do not rely on 18.16-only syntax. Ledger kept in memory; each test uses a fresh session.
 */
export class ChdbMigrationTarget implements MigrationTarget {
  readonly kind = 'chdb';
  private readonly done = new Map<string, string>();

  constructor(
    private readonly session: ChdbSession,
    private readonly database: string,
  ) {}

  async ensureLedger(): Promise<void> {
    this.session.query(`CREATE DATABASE IF NOT EXISTS ${this.database}`);
  }

  async applied(): Promise<Map<string, string>> {
    return new Map(this.done);
  }

  async apply(file: MigrationFile): Promise<void> {
    for (const statement of splitStatements(file.sql)) this.session.query(`USE ${this.database}; ${statement}`);
    this.done.set(file.name, file.checksum);
  }
}
