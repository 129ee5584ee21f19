import { hash } from 'node:crypto';

/**
 * The UUID shape each producer's derived ids have had since they were first stored: the version digit, and the
 * variant nibble (a fixed "a", or the RFC 4122 variant bits over the digest's own). Only the shape differs; the
 * derivation (SHA-256 of what identifies the event) is one.
 * NOTE: frozen per producer. ClickHouse counts an event_id once and webhook_receipts applies a report once, so a
 * replay (a webhook the provider retries, an outbox row relayed again, an outcome the sender's sweep produces
 * again, a second one-click unsubscribe) must derive the very id stored before it; derived-id.test.ts pins each.
 */
export type IdShape =
  /** the sender's events, engagement's replies and mailto unsubscribes, and any new producer */
  | 'v4'
  /** ingest's bounce, complaint and one-click unsubscribe events */
  | 'v5-rfc-variant'
  /** the journey engine's tile events */
  | 'v5';

/**
 * Cairn's one event-id derivation: a UUID-shaped id from what identifies an event (a delivery key, a reply's
 * Message-ID, a report's message and status), so the same event produced again carries the same event_id and is
 * counted once downstream. Parts are joined with NUL, which none of them holds.
 */
export function derivedId(shape: IdShape, ...parts: string[]): string {
  // hash(): node:crypto's one-shot digest, without a Hash object per id (the journey engine derives ~9 per contact).
  const hex = hash('sha256', parts.join('\u0000'), 'hex');
  const version = shape === 'v4' ? '4' : '5';
  const variant =
    shape === 'v5-rfc-variant' ? ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16) : `a${hex[17]}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The derivation in the shape of every producer but ingest and the journey engine (IdShape). */
export const derivedEventId = (...parts: string[]): string => derivedId('v4', ...parts);
