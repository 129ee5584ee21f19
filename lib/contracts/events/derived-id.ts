import { hash } from 'node:crypto';

/**
 * A UUID-shaped id derived from what identifies an event (a delivery key, a reply's Message-ID), so the same
 * event produced again after a crash or a retry carries the same event_id and is counted once downstream.
 */
export function derivedEventId(...parts: string[]): string {
  // hash(): node:crypto's one-shot digest, without a Hash object per id (the journey engine derives ~9 per contact).
  return uuidShaped(hash('sha256', parts.join('\u0000'), 'hex'), '4');
}

/** The first 32 hex digits of a digest as a UUID with the given version digit and the RFC 4122 variant. */
export function uuidShaped(hex: string, version: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
