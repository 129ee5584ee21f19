import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { sameDigest, sha256 } from '../../lib/platform/crypto/constant-time';

/**
 * Bounce and complaint webhooks authenticate with a per-workspace shared secret, presented as
 * `Authorization: Bearer whsec_<id>_<secret>`. Only SHA-256(secret) is stored; the check is constant-time.
 */
const SECRET_FORMAT = /^whsec_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export async function createWebhookSecret(pool: Pool, workspaceId: string): Promise<string> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO webhook_secrets (id, workspace_id, secret_hash) VALUES ($1, $2, $3)', [
    id,
    workspaceId,
    sha256(secret).toString('hex'),
  ]);
  return `whsec_${id}_${secret}`;
}

/** The workspace the secret belongs to, or null for a missing, malformed, revoked or wrong secret. */
export async function webhookWorkspace(pool: Pool, authorization: string | undefined): Promise<string | null> {
  const match = SECRET_FORMAT.exec((authorization ?? '').replace(/^bearer\s+/i, '').trim());
  if (!match) return null;
  const [, id = '', secret = ''] = match;
  const { rows } = await pool.query<{ workspace_id: string; secret_hash: string }>(
    'SELECT workspace_id, secret_hash FROM webhook_secrets WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  const stored = rows[0] && Buffer.from(rows[0].secret_hash, 'hex');
  if (!stored || !sameDigest(stored, sha256(secret))) return null;
  return rows[0]?.workspace_id ?? null;
}
