import { createHash, randomUUID } from 'node:crypto';
import type { EmailContext } from '../../lib/contracts/events/event-types';
import type { TrackingToken } from '../../lib/contracts/tracking/tracking-token';

/** The email context every tracked event carries, taken from the authenticated token only. */
export function emailContext(token: TrackingToken, machine = false, eventId: string = randomUUID()): EmailContext {
  return {
    event_id: eventId,
    event_time: Date.now(),
    workspace_id: token.workspaceId,
    contact_id: token.contactId,
    message_id: token.messageId,
    email_id: token.emailId,
    email_version: token.emailVersion,
    journey_id: token.journeyId ?? null,
    tile_id: token.tileId ?? null,
    iteration: token.iteration ?? 0,
    machine,
  };
}

/**
 * A UUID-shaped id derived from what identifies an action, for actions that must count once however often
 * they are repeated (a retried webhook, a second one-click unsubscribe of the same message).
 * NOTE: same inputs → same event_id, so the aggregator's dedup by event_id makes the replay harmless.
 */
export function deterministicEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
