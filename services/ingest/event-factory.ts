import { randomUUID } from 'node:crypto';
import { derivedId } from '../../lib/contracts/events/derived-id';
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
 * The event id of an action that must count once however often it is repeated (a retried webhook, a second
 * one-click unsubscribe of the same message), derived from what identifies it in ingest's shape (derived-id.ts).
 * NOTE: same inputs → same event_id, so the aggregator's dedup by event_id makes the replay harmless.
 */
export const deterministicEventId = (...parts: string[]): string => derivedId('v5-rfc-variant', ...parts);
