import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { sameDigest, sha256 } from '../../platform/crypto/constant-time';

export const API_KEY_SCOPES = ['read', 'write', 'send', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyPrincipal {
  keyId: string;
  workspaceId: string;
  scopes: ApiKeyScope[];
}

/** Key format: cairn_<key id>_<secret>. Only sha256(secret) is stored. */
const KEY_FORMAT = /^cairn_([a-z0-9]{12})_([A-Za-z0-9_-]{32,64})$/;

const hashSecret = (secret: string): string => sha256(secret).toString('hex');

export async function createApiKey(
  pool: Pool,
  options: { workspaceId: string; scopes: ApiKeyScope[]; name?: string },
): Promise<{ key: string; keyId: string }> {
  const keyId = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO api_keys (id, workspace_id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4, $5)', [
    keyId,
    options.workspaceId,
    options.name ?? '',
    hashSecret(secret),
    options.scopes,
  ]);
  return { key: `cairn_${keyId}_${secret}`, keyId };
}

/** Constant-time check of a presented key; null for malformed, unknown, revoked or wrong keys. */
export async function verifyApiKey(pool: Pool, presented: string | undefined): Promise<ApiKeyPrincipal | null> {
  const match = KEY_FORMAT.exec(presented?.trim() ?? '');
  if (!match) return null;
  const [, keyId = '', secret = ''] = match;
  const { rows } = await pool.query<{ workspace_id: string; secret_hash: string; scopes: ApiKeyScope[] }>(
    'SELECT workspace_id, secret_hash, scopes FROM api_keys WHERE id = $1 AND revoked_at IS NULL',
    [keyId],
  );
  const row = rows[0];
  if (!row) return null;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  if (!sameDigest(expected, actual)) return null;
  return { keyId, workspaceId: row.workspace_id, scopes: row.scopes };
}

/** "Bearer <key>" or a bare key, from an Authorization or X-Api-Key header value. */
export function keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '');
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : undefined;
}
