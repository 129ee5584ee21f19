import type { FieldSpec } from '../config';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest sealed with an operator key: AES-256-GCM (node:crypto), a random 96-bit nonce per seal, and
 * additional data that binds the sealed value to where it is stored (docs/security.md#dkim-keys-at-rest).
 * Format: "v1.<nonce>.<tag>.<ciphertext>", each part base64url.
 */
const VERSION = 'v1';

/** The operator key: 32 bytes, base64. Throws with a message fit for a configuration problem. */
export function parseSealingKey(raw: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(raw.trim())) throw new Error('must be 32 bytes in base64 (openssl rand -base64 32)');
  return Buffer.from(raw.trim(), 'base64');
}

export function sealSecret(key: Buffer, plaintext: string, boundTo: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, nonce, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The plaintext, or null when the value was not sealed with this key for this place (or was altered). */
export function openSecret(key: Buffer, sealed: string, boundTo: string): string | null {
  const [version, nonce, tag, body, ...rest] = sealed.split('.');
  if (version !== VERSION || nonce === undefined || tag === undefined || body === undefined || rest.length > 0)
    return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * The operator key that seals DKIM private keys (docs/security.md#dkim-keys-at-rest), one setting for the API,
 * which seals, and the sender, which opens. Empty: sending domains cannot be added and the sender signs with the
 * platform key only.
 */
export const dkimKeyEncryptionKey: FieldSpec<Buffer | null> = {
  env: 'CAIRN_DKIM_KEY_ENCRYPTION_KEY',
  doc: "32 bytes, base64: seals sending domains' DKIM private keys at rest (AES-256-GCM); the same for the API and the sender",
  parse: parseSealingKey,
  default: null,
  secret: true,
};
