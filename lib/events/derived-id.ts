import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id derived from what identifies an event (a delivery key, a reply's Message-ID), so the same
 * event produced again after a crash or a retry carries the same event_id and is counted once downstream.
 */
export function derivedEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
