import { ApiProblem } from './api-problem';

/** Cursor pagination on every list: keyset on id, the cursor is the opaque encoding of the last id returned. */
export const pageQuerySchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 200, description: 'next_cursor of the previous page' },
  },
} as const;

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** The response schema of a 204: the typed reply takes send(null), and fastify writes no body for a 204. */
export const noContent = { type: 'null', description: 'no content' } as const;

export const pageSchema = (item: object): object => ({
  type: 'object',
  properties: { items: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
});

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const value = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{36}$|^\d{1,19}$/.test(value))
    throw new ApiProblem(400, 'cursor is not valid', [
      { field: 'querystring.cursor', message: 'use next_cursor from the previous page' },
    ]);
  return value;
}

/** Rows were fetched with limit + 1 so the presence of a next page needs no count. */
export function toPage<T extends { id: string | number }>(
  rows: T[],
  limit: number,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const next_cursor = rows.length > limit && last ? Buffer.from(String(last.id)).toString('base64url') : null;
  return { items, next_cursor };
}

/** Keyset cursor over a composite key (e.g. contact and message): the last row's key parts, opaque to the client. */
export function encodeKeyset(parts: readonly (string | number)[] | null): string | null {
  return parts ? Buffer.from(JSON.stringify(parts)).toString('base64url') : null;
}

/** The key parts of a keyset cursor, checked against their expected types (400 otherwise). */
export function decodeKeyset(
  cursor: string | undefined,
  types: readonly ('string' | 'number')[],
): (string | number)[] | undefined {
  if (!cursor) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || value.length !== types.length || !value.every((part, i) => typeof part === types[i]))
    throw new ApiProblem(400, 'cursor is not valid', [
      { field: 'querystring.cursor', message: 'use next_cursor from the previous page' },
    ]);
  return value as (string | number)[];
}

/** Rows fetched with limit + 1: the page and the keyset cursor of its last row when more follow. */
export function keysetPage<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => (string | number)[],
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeKeyset(keyOf(last)) : null };
}
