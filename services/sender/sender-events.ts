import { derivedEventId } from '../../lib/contracts/events/derived-id';
import type { BounceClassification } from '../../lib/domain/bounces/bounce-classifier';
import type { ErrorCode } from '../../lib/platform/errors';
import type { CairnEvent, EmailContext } from '../../lib/contracts/events/event-types';
import type { DeliveryItem } from './delivery-item';

/** Event ids derive from the delivery key, so an event produced again after a crash is the same event. */
export const deterministicId = derivedEventId;

/** What the sender writes on the results of a message it did not send because the address is suppressed. */
export const SUPPRESSED_DIAGNOSTIC = 'suppressed: not handed to SMTP';
/**
 * The reporter of the complaint the sender records for an attempt to a complaint-suppressed address. Its type is
 * `abuse`, the complaint that suppressed the address, so Feedback loops count it (docs/kpis.md#feedback-loops).
 */
export const SUPPRESSED_REPORTER = 'cairn-sender';

/**
 * Journey and one-to-one messages have results: a test send has none, and a friend's copy is counted by ingest's
 * forward event. A one-to-one message has no journey (that is how ClickHouse's engagement_events tells it apart).
 */
function context(item: DeliveryItem, messageId: string, type: string, now: number): EmailContext | null {
  if (item.kind === 'direct') {
    const r = item.request;
    const base = {
      event_id: deterministicId(item.key, type),
      event_time: now,
      workspace_id: r.workspace_id,
      contact_id: r.contact_id,
    };
    return {
      ...base,
      message_id: messageId,
      email_id: r.email_id,
      email_version: r.email_version,
      journey_id: null,
      tile_id: null,
      iteration: 0,
      machine: false,
    };
  }
  if (item.kind !== 'journey') return null;
  const r = item.request;
  return {
    event_id: deterministicId(item.key, type),
    event_time: now,
    workspace_id: r.workspace_id,
    contact_id: r.contact_id,
    message_id: messageId,
    email_id: r.email_id,
    email_version: r.email_version,
    journey_id: r.journey_id,
    tile_id: r.tile_id,
    iteration: r.iteration,
    machine: false,
  };
}

export const EventsFor = {
  blocked(item: DeliveryItem, messageId: string, reason: string, now = Date.now()): CairnEvent[] {
    const base = context(item, messageId, 'blocked', now);
    return base ? [{ type: 'blocked', data: { ...base, reason } }] : [];
  },
  send(item: DeliveryItem, messageId: string, domain: string, now = Date.now()): CairnEvent[] {
    const base = context(item, messageId, 'send', now);
    return base ? [{ type: 'send', data: { ...base, recipient_domain: domain } }] : [];
  },
  bounce(
    item: DeliveryItem,
    messageId: string,
    bounce: BounceClassification,
    diagnostic: string,
    now = Date.now(),
  ): CairnEvent[] {
    const base = context(item, messageId, 'bounce', now);
    if (!base) return [];
    const data = {
      ...base,
      bounce_class: bounce.bounceClass,
      smtp_code: bounce.smtpCode,
      enhanced_status: bounce.enhancedStatus,
      diagnostic: diagnostic.slice(0, 500),
      policy_block: bounce.policyBlock,
    };
    return [{ type: 'bounce', data }];
  },
  complaint(item: DeliveryItem, messageId: string, now = Date.now()): CairnEvent[] {
    const base = context(item, messageId, 'complaint', now);
    return base
      ? [{ type: 'complaint', data: { ...base, feedback_type: 'abuse', reporter: SUPPRESSED_REPORTER } }]
      : [];
  },
  /**
   * A friend's copy that was not sent. Not `blocked`: the email KPI Blocked is part of Targeted (Sent = Targeted −
   * Blocked) and a friend is no targeted recipient, as a delivered copy has no `send` event either; this type is
   * counted by no KPI and says why (docs/sender.md). Keyed by the forwarding contact, like the forward itself.
   */
  forwardBlocked(item: DeliveryItem, messageId: string, reason: string, now = Date.now()): CairnEvent[] {
    if (item.kind !== 'forward') return [];
    const r = item.request;
    const data = {
      event_id: deterministicId(item.key, 'forward_blocked'),
      event_time: now,
      workspace_id: r.workspace_id,
      contact_id: r.forwarded_by_contact_id,
      message_id: messageId,
      email_id: r.email_id,
      email_version: r.email_version,
      journey_id: r.journey_id,
      tile_id: r.tile_id,
      iteration: r.iteration,
      machine: false,
      reason,
      original_message_id: r.original_message_id,
    };
    return [{ type: 'forward_blocked', data }];
  },
  failed(item: DeliveryItem, messageId: string, code: ErrorCode, message: string, now = Date.now()): CairnEvent[] {
    const base = context(item, messageId, 'sending_failed', now);
    return base
      ? [{ type: 'sending_failed', data: { ...base, error_code: code, error_message: message.slice(0, 300) } }]
      : [];
  },
};
