import { DatabaseError } from 'pg';

/** SQLSTATE classes a value causes (PostgreSQL's error codes appendix): 22 data exception, 23 integrity constraint violation. */
const DATA_CLASSES = new Set(['22', '23']);

/**
 * For an error PostgreSQL answered: whether the statement's values caused it (`true`: the same values fail again)
 * rather than the server's state (connections, locks, serialization, shutdown: `false`). `null` for any other error.
 */
export function isPgDataError(error: unknown): boolean | null {
  if (!(error instanceof DatabaseError) || typeof error.code !== 'string') return null;
  return DATA_CLASSES.has(error.code.slice(0, 2));
}
