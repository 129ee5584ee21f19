import type { FromSchema } from 'json-schema-to-ts';
import { JOURNEY_EVENT_TYPES } from '../../lib/contracts/events/event-types';
import { defineMessage, fields, type Decoded } from '../../lib/contracts/messages/message-schema';
import { sendBatchJobMessage, type SendBatchJob } from '../../lib/contracts/sending/send-request';

/**
 * The payloads of the scheduler's outbox rows (journey_outbox), written by a step (step-effects.ts) or the webhook
 * worker and read by the relay (outbox-relay.ts), which may be a newer build than the writer: each is a versioned
 * message (docs/messages.md). A `send` row holds a send batch as it goes on SEND_QUEUE (lib/contracts/sending).
 */

/** Tile events per outbox row: a relay pass holds a few rows, so this bounds its memory. */
export const EVENTS_PER_ROW = 20_000;

/**
 * Tile events of one kind at one tile for many contacts: the relay expands a group into one Avro event per
 * contact (outbox-relay.ts). Grouped, a step's events take a few bytes per contact in the outbox, not a row each.
 * [type, tileId, tileType, iteration, detail, contactIds]
 */
const tileEventGroupSchema = {
  type: 'array',
  minItems: 6,
  maxItems: 6,
  additionalItems: false,
  items: [
    { enum: JOURNEY_EVENT_TYPES },
    fields.id,
    fields.id,
    fields.integer,
    fields.text,
    { type: 'array', minItems: 1, maxItems: EVENTS_PER_ROW, items: fields.uuid },
  ],
} as const;

const eventsPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'workspace_id', 'journey_id', 'event_time', 'groups'],
  properties: {
    v: { const: 1 },
    workspace_id: fields.uuid,
    journey_id: fields.uuid,
    /** epoch milliseconds */
    event_time: fields.integer,
    groups: { type: 'array', minItems: 1, maxItems: EVENTS_PER_ROW, items: tileEventGroupSchema },
  },
} as const;

/** A launch-workflow webhook's fields, in its outbox row and (with its once key) on the webhook queue. */
export const webhookProperties = {
  v: { const: 1 },
  url: fields.text,
  workspace_id: fields.uuid,
  /** the contact whose step made it: its tile_failed event when the webhook is dead-lettered */
  contact_id: fields.uuid,
  /** what is posted: the receiver's contract (docs/scheduler.md); the worker needs where it came from */
  body: {
    type: 'object',
    additionalProperties: true,
    required: ['journey_id', 'tile_id', 'iteration'],
    properties: {
      journey_id: fields.uuid,
      tile_id: fields.id,
      iteration: fields.integer,
      contact_id: { type: ['string', 'null'] },
    },
  },
} as const;

const webhookPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'url', 'workspace_id', 'contact_id', 'body'],
  properties: webhookProperties,
} as const;

/**
 * The leads a step's create-lead tiles created (docs/scheduler.md#tiles): the relay publishes one `lead_generated`
 * (v2, origin `tile`) per lead to the email events topic, its event id derived from the lead's once key.
 */
const leadsPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'workspace_id', 'journey_id', 'event_time', 'leads'],
  properties: {
    v: { const: 1 },
    workspace_id: fields.uuid,
    journey_id: fields.uuid,
    /** epoch milliseconds */
    event_time: fields.integer,
    leads: {
      type: 'array',
      minItems: 1,
      maxItems: EVENTS_PER_ROW,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['lead_id', 'once_key', 'contact_id', 'tile_id', 'iteration'],
        properties: {
          lead_id: fields.uuid,
          /** journey:tile:iteration:(contact|account), the lead's key */
          once_key: fields.text,
          /** the contact whose arrival created it (the event's contact and Kafka key) */
          contact_id: fields.uuid,
          tile_id: fields.id,
          iteration: fields.integer,
        },
      },
    },
  },
} as const;

/**
 * Lead scores that crossed their model version's threshold (docs/lead-scoring.md#crossing), written by the
 * engagement consumer's scoring (lead-scoring.ts): the relay publishes one `lead_score_crossed` per crossing to the
 * email events topic, its event id derived from (model, version, contact).
 */
const leadScoresPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'workspace_id', 'crossings'],
  properties: {
    v: { const: 1 },
    workspace_id: fields.uuid,
    crossings: {
      type: 'array',
      minItems: 1,
      maxItems: EVENTS_PER_ROW,
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'model_id',
          'model_version',
          'contact_id',
          'event_time',
          'score_milli',
          'threshold_milli',
          'crossing_event_id',
        ],
        properties: {
          model_id: fields.uuid,
          model_version: fields.integer,
          contact_id: fields.uuid,
          /** epoch milliseconds of the event whose points crossed */
          event_time: fields.integer,
          score_milli: fields.integer,
          threshold_milli: fields.integer,
          crossing_event_id: fields.text,
        },
      },
    },
  },
} as const;

/**
 * An A/B test tile's decision (docs/scheduler.md#ab-test), written once in the deciding transaction
 * (ab-test-decision.ts): the relay publishes it as one `ab_test_decided` event on the journey events topic.
 */
const abDecidedPayloadSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'v',
    'workspace_id',
    'journey_id',
    'tile_id',
    'iteration',
    'event_time',
    'reason',
    'metric',
    'winner_variant',
    'winner_label',
    'winner_email_id',
  ],
  properties: {
    v: { const: 1 },
    workspace_id: fields.uuid,
    journey_id: fields.uuid,
    tile_id: fields.id,
    iteration: fields.integer,
    /** epoch milliseconds: when the decision was made */
    event_time: fields.integer,
    reason: { enum: ['significant', 'fallback'] },
    metric: fields.id,
    winner_variant: { type: 'integer', minimum: 0, maximum: 2 },
    winner_label: fields.text,
    winner_email_id: fields.uuid,
  },
} as const;

export type TileEventGroup = FromSchema<typeof tileEventGroupSchema>;
export type LeadsPayload = FromSchema<typeof leadsPayloadSchema>;
export type EventsPayload = FromSchema<typeof eventsPayloadSchema>;
export type WebhookPayload = FromSchema<typeof webhookPayloadSchema>;
export type LeadScoresPayload = FromSchema<typeof leadScoresPayloadSchema>;
export type AbDecidedPayload = FromSchema<typeof abDecidedPayloadSchema>;

// Rows written by the build before v1 carry no `v` and may wait in the outbox when the relay is upgraded.
const legacy = { unversionedIsV1: true };
export const eventsPayloadMessage = defineMessage('outbox events', 1, eventsPayloadSchema, legacy);
export const webhookPayloadMessage = defineMessage('outbox webhook', 1, webhookPayloadSchema, legacy);
export const leadsPayloadMessage = defineMessage('outbox leads', 1, leadsPayloadSchema);
export const leadScoresPayloadMessage = defineMessage('outbox lead scores', 1, leadScoresPayloadSchema);
export const abDecidedPayloadMessage = defineMessage('outbox ab_decided', 1, abDecidedPayloadSchema);

/** An outbox row as the relay reads it, its payload decoded by its kind. */
export type OutboxPayload =
  | { kind: 'send'; payload: SendBatchJob }
  | { kind: 'events'; payload: EventsPayload }
  | { kind: 'leads'; payload: LeadsPayload }
  | { kind: 'lead_scores'; payload: LeadScoresPayload }
  | { kind: 'webhook'; payload: WebhookPayload }
  | { kind: 'ab_decided'; payload: AbDecidedPayload };

const tagged = <K extends OutboxPayload['kind'], P>(kind: K, read: Decoded<P>): Decoded<{ kind: K; payload: P }> =>
  read.ok ? { ok: true, value: { kind, payload: read.value } } : read;

/** An outbox row's payload, decoded by the row's `kind` column. */
export function decodeOutboxRow(kind: string, payload: unknown): Decoded<OutboxPayload> {
  switch (kind) {
    case 'send':
      return tagged(kind, sendBatchJobMessage.decode(payload));
    case 'events':
      return tagged(kind, eventsPayloadMessage.decode(payload));
    case 'webhook':
      return tagged(kind, webhookPayloadMessage.decode(payload));
    case 'leads':
      return tagged(kind, leadsPayloadMessage.decode(payload));
    case 'lead_scores':
      return tagged(kind, leadScoresPayloadMessage.decode(payload));
    case 'ab_decided':
      return tagged(kind, abDecidedPayloadMessage.decode(payload));
  }
  return {
    ok: false,
    error: { message: 'outbox row', version: undefined, path: '/kind', reason: `is unknown: ${kind}` },
  };
}
