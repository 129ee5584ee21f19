import { CairnError } from '../errors';
import type { Logger } from '../logger';
import type { MigrationFile } from './migration-files';

/** What a database must offer to be migrated: a ledger of applied files and a way to apply one. */
export interface MigrationTarget {
  readonly kind: string;
  ensureLedger(): Promise<void>;
  applied(): Promise<Map<string, string>>;
  apply(file: MigrationFile): Promise<void>;
}

/**
 * Forward-only: applies files not yet in the ledger, in number order. An applied file whose checksum changed
 * is refused (write a new migration instead), so every environment runs the same SQL.
 */
export async function migrate(target: MigrationTarget, files: MigrationFile[], log?: Logger): Promise<string[]> {
  await target.ensureLedger();
  const applied = await target.applied();
  for (const file of files) {
    const checksum = applied.get(file.name);
    if (checksum !== undefined && checksum !== file.checksum) {
      throw new CairnError('MIGRATION_EDITED', `${target.kind} ${file.name}`);
    }
  }
  const appliedNow: string[] = [];
  for (const file of files) {
    if (applied.has(file.name)) continue;
    try {
      await target.apply(file);
    } catch (cause) {
      throw new CairnError('MIGRATION_FAILED', `${target.kind} ${file.name}: ${(cause as Error).message}`, { cause });
    }
    appliedNow.push(file.name);
    log?.info({ target: target.kind, migration: file.name }, 'migration_applied');
  }
  return appliedNow;
}
