import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CairnError } from '../errors';

export interface MigrationFile {
  number: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** Reads NNNN_name.sql files in order; refuses duplicate numbers and misnamed files. */
export function readMigrations(dir: string): MigrationFile[] {
  const files: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.sql')) continue;
    const match = FILE.exec(name);
    if (!match) throw new CairnError('MIGRATION_FAILED', `${name}: name must be NNNN_lower_snake.sql`);
    const number = Number(match[1]);
    const other = seen.get(number);
    if (other) throw new CairnError('MIGRATION_DUPLICATE', `${other} and ${name}`);
    seen.set(number, name);
    const sql = readFileSync(join(dir, name), 'utf8');
    files.push({ number, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

/** Splits a file into statements at semicolons that end a line; comment-only chunks are dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk.replace(/--.*$/gm, '').trim().length > 0);
}
