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
  'form_submitted',
  'page_visited',
  'redirect_clicked',
  'lead_score_crossed',
  'web_page_viewed',
  'web_link_clicked',
] as const;

export const JOURNEY_EVENT_TYPES = [
  'tile_inflow',
  'tile_processed',
  'tile_blocked',
  'tile_failed',
  'tile_path_taken',
  'goal_reached',
  'ab_test_decided',
  'send_time_delayed',
  'contact_held',
] as const;

export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];
export type JourneyEventType = (typeof JOURNEY_EVENT_TYPES)[number];
export type EventType = EmailEventType | JourneyEventType;

export const ALL_EVENT_TYPES: readonly EventType[] = [...EMAIL_EVENT_TYPES, ...JOURNEY_EVENT_TYPES];

/**
 * Events only Cairn's own services record, each once under a key of their own (a submission, a page visit, a tracked
 * hit, a scoring crossing, a goal, a decision, a hold): the batch API refuses them, so an API key cannot forge what
 * their insights count or what moves a journey on (docs/ingest.md#batch-events).
 */
export const SERVICE_RECORDED_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'form_submitted',
  'page_visited',
  'redirect_clicked',
  'web_page_viewed',
  'web_link_clicked',
  'lead_score_crossed',
  'goal_reached',
  'ab_test_decided',
  'send_time_delayed',
  'contact_held',
]);

/** Email events that never name a contact (anonymous): no goal or trigger can wait for them. */
export const ANONYMOUS_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['redirect_clicked']);

/** The email event types a journey goal of kind `event` may name (docs/scheduler.md#goal). */
export const GOAL_EVENT_TYPES: readonly EmailEventType[] = EMAIL_EVENT_TYPES.filter(
  (t) => !ANONYMOUS_EVENT_TYPES.has(t),
);

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
  /**
   * a lead was created (v2: origin). message_id/email_id are '' when no message led to it (a form submitted
   * without a landing-page visit from a tracked click, a create-lead tile, or a batch post without them); the
   * glossary's Total generated leads counts those that name a message (docs/pages-and-forms.md#leads).
   */
  lead_generated: { lead_id: string; origin?: LeadOrigin };
  /**
   * a marketing form was submitted and accepted (docs/pages-and-forms.md#submissions). message_id/email_id are ''
   * unless the visit came from a tracked landing-page link; contact_id is the contact created or updated.
   */
  form_submitted: WebVisit & {
    submission_id: string;
    form_id: string;
    form_version: number;
    contact_outcome: 'created' | 'updated';
    lead_outcome: 'created' | 'updated' | 'none';
    /** true while a double opt-in confirmation is pending (lists and consent not yet applied) */
    confirmation_pending?: boolean;
  };
  /** a marketing page was served to a browser; contact_id is '' for an anonymous visitor */
  page_visited: WebVisit & { visitor_id: string };
  /** a page of a registered website loaded (docs/web-tracking.md#events); contact_id '' for an anonymous visitor */
  web_page_viewed: WebActivity;
  /** a link followed on a page of a registered website (docs/web-tracking.md#events) */
  web_link_clicked: WebActivity;
  /**
   * a redirect URL was followed (docs/redirect-urls.md#clicks): contact_id, message_id and email_id are '' (anonymous,
   * no message); url is the destination fixed at creation; the user agent is kept only as its device class
   */
  redirect_clicked: {
    redirect_url_id: string;
    url: string;
    machine_reason?: string | null;
    user_agent_class?: string;
    country?: string | null;
  };
  /**
   * a contact's score under a live lead scoring model version reached its threshold (docs/lead-scoring.md#crossing),
   * once per (model, version, contact); no message makes it: message_id and email_id are '', email_version 0
   */
  lead_score_crossed: {
    model_id: string;
    model_version: number;
    score_milli: number;
    threshold_milli: number;
    crossing_event_id: string;
  };
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

/**
 * What the tracking script reports of a page view or a link click on a registered website; contact_id and the
 * message are '' unless the visit came from a tracked click (a verified web token).
 */
export interface WebActivity extends TrackingContext {
  website_id: string;
  /** a view: the page's path; a click: the link's origin and path; never a query string or fragment */
  url: string;
  page_path: string;
  title?: string | null;
  referrer_host?: string | null;
  visitor_id: string;
  view_id: string;
}

export type LeadOrigin = 'landing_page' | 'form' | 'tile' | 'api';

/** What a page visit or form submission carries besides the email context. */
export interface WebVisit extends TrackingContext {
  /** the marketing page (its frozen version), or null for a form embedded on the customer's own site */
  page_id?: string | null;
  page_version?: number | null;
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
  /** the contact reached the journey's goal (docs/scheduler.md#goal) at tile_id; once per (journey, iteration, contact) */
  goal_reached: { goal_event: string; exited?: boolean };
  /** an A/B test tile picked its winner (docs/scheduler.md#ab-test); contact_id is '': once per (journey, iteration, tile) */
  ab_test_decided: {
    reason: 'significant' | 'fallback' | string;
    metric: string;
    winner_variant: number;
    winner_label: string;
    winner_email_id: string;
  };
  /** an email tile held the contact until its send time (docs/scheduler.md#send-time-optimisation) */
  send_time_delayed: { reason: string; delay_minutes: number; source: string };
  /** quiet hours or entry pacing held the contact at the tile (docs/scheduler.md#quiet-hours, #entry-pacing) */
  contact_held: { reason: string; until?: number | null };
}

export type EmailEvent<T extends EmailEventType = EmailEventType> = {
  [K in T]: { type: K; data: EmailContext & EmailEventPayloads[K] };
}[T];

export type JourneyEvent<T extends JourneyEventType = JourneyEventType> = {
  [K in T]: { type: K; data: JourneyContext & JourneyEventPayloads[K] };
}[T];

/** What producers hand to the codec and consumers get back from it. */
export type CairnEvent = EmailEvent | JourneyEvent;
