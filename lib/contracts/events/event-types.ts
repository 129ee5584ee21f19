/** TypeScript view of the Avro contract in ./schemas (the .avsc files are the source of truth). */

export const EMAIL_EVENT_TYPES = [
  'send',
  'blocked',
  'bounce',
  'open',
  'click',
  'forward',
  'forward_blocked',
  'unsubscribe',
  'subscription_submitted',
  'complaint',
  'sending_failed',
  'lead_generated',
  'reply',
] as const;

export const JOURNEY_EVENT_TYPES = [
  'tile_inflow',
  'tile_processed',
  'tile_blocked',
  'tile_failed',
  'tile_path_taken',
] as const;

export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];
export type JourneyEventType = (typeof JOURNEY_EVENT_TYPES)[number];
export type EventType = EmailEventType | JourneyEventType;

export const ALL_EVENT_TYPES: readonly EventType[] = [...EMAIL_EVENT_TYPES, ...JOURNEY_EVENT_TYPES];

export function isEventType(value: string): value is EventType {
  return (ALL_EVENT_TYPES as readonly string[]).includes(value);
}

export function isJourneyEventType(value: EventType): value is JourneyEventType {
  return (JOURNEY_EVENT_TYPES as readonly string[]).includes(value);
}

export interface EventBase {
  event_id: string;
  /** epoch milliseconds, UTC */
  event_time: number;
  workspace_id: string;
  contact_id: string;
  machine?: boolean;
}

export interface EmailContext extends EventBase {
  message_id: string;
  email_id: string;
  email_version: number;
  journey_id?: string | null;
  tile_id?: string | null;
  iteration?: number;
}

export interface TrackingContext {
  machine_reason?: string | null;
  user_agent?: string | null;
  /** ISO 3166-1 alpha-2 country of the client address (open.v2, click.v3); null when unknown */
  country?: string | null;
}

export type BounceClass = 'hard' | 'soft' | 'other';

export interface EmailEventPayloads {
  send: { recipient_domain?: string | null };
  blocked: { reason: string };
  bounce: {
    bounce_class: BounceClass;
    smtp_code?: number | null;
    enhanced_status?: string | null;
    diagnostic?: string | null;
    policy_block?: boolean;
  };
  open: TrackingContext;
  click: TrackingContext & { link_id: string; url: string; link_kind?: 'link' | 'attachment' };
  forward: { friend_count?: number };
  /** the friend's copy of a forwarded message, not sent: no KPI counts it (the friend was not targeted) */
  forward_blocked: { reason: string; original_message_id: string };
  unsubscribe: { method: 'one_click' | 'subscription_center' | 'mailto'; list_ids?: string[] };
  subscription_submitted: { changed?: boolean };
  complaint: { feedback_type: string; reporter?: string | null };
  sending_failed: { error_code: string; error_message?: string | null };
  lead_generated: { lead_id: string };
  /**
   * a reply matched to a sent one-to-one message (services/engagement); machine_reason auto_reply for RFC 3834
   * auto-replies; auth_verdict (v2): verified (SPF/DKIM aligned with From, From the contact's domain), unverified, or
   * unchecked (written before v2)
   */
  reply: {
    machine_reason?: string | null;
    source?: 'smtp' | 'webhook';
    from_domain?: string | null;
    auth_verdict?: 'verified' | 'unverified' | 'unchecked';
  };
}

export interface JourneyContext extends EventBase {
  journey_id: string;
  tile_id: string;
  tile_type: string;
  iteration?: number;
}

export interface JourneyEventPayloads {
  tile_inflow: Record<never, never>;
  tile_processed: Record<never, never>;
  tile_blocked: { reason: 'unsubscribed' | 'suppression_segment' | 'consent_below_minimum' | 'frequency_cap' | string };
  tile_failed: { error_code: string; error_message?: string | null };
  tile_path_taken: { path_id: string };
}

export type EmailEvent<T extends EmailEventType = EmailEventType> = {
  [K in T]: { type: K; data: EmailContext & EmailEventPayloads[K] };
}[T];

export type JourneyEvent<T extends JourneyEventType = JourneyEventType> = {
  [K in T]: { type: K; data: JourneyContext & JourneyEventPayloads[K] };
}[T];

/** What producers hand to the codec and consumers get back from it. */
export type CairnEvent = EmailEvent | JourneyEvent;
