import { hash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a secret (an API key's, a webhook secret's): what Cairn stores in its place, and what it compares. */
export const sha256 = (value: string | Buffer): Buffer => hash('sha256', value, 'buffer');

/**
 * Cairn's one constant-time compare, of digests of one algorithm (MACs, stored secret hashes): node:crypto's
 * timingSafeEqual, so how long it takes tells nothing of where they differ. A different length (a malformed or
 * truncated stored value) is unequal, where timingSafeEqual alone would throw.
 */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Equal secrets of any length (an operator token, a shared secret from the environment): both are hashed to
 * fixed-length digests first, so the time tells neither where they differ nor how long the expected one is.
 * An empty secret matches nothing: a setting left empty must never let an empty credential in.
 */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (!presented || !expected) return false;
  return sameDigest(sha256(presented), sha256(expected));
}
