/** The schemas of journeys.routes.ts: a journey's graph and settings, its check, state changes and milestones. */
import { GOAL_EVENTS, TILE_TYPES } from '../../../lib/domain/journeys/journey-graph';
import { MAX_HOLDOUT_SHARE } from '../../../lib/domain/journeys/holdout';
import { GOAL_EVENT_TYPES } from '../../../lib/contracts/events/event-types';
import { quietHours } from './workspaces.schemas';

const graphSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tiles'],
  description: 'journey graph; tile configs are documented in docs/api.md',
  properties: {
    tiles: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          type: { type: 'string', enum: [...TILE_TYPES] },
          next: { type: 'array', maxItems: 20, items: { type: 'string' } },
          config: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
};

const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    target: { type: 'string', enum: ['contacts', 'accounts'], default: 'contacts' },
    start_at: { type: 'string', format: 'date-time' },
    end_at: { type: 'string', format: 'date-time' },
    time_zone: { type: 'string', maxLength: 64, default: 'UTC' },
    recurring: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['interval_days', 'count'],
      properties: { interval_days: { type: 'integer', minimum: 1 }, count: { type: 'integer', minimum: 1 } },
    },
    suppression_segment_id: { type: ['string', 'null'], format: 'uuid' },
    list_id: {
      type: ['string', 'null'],
      format: 'uuid',
      description: 'subscription list: who unsubscribed from it is blocked before every tile',
    },
    min_consent: { type: 'integer', minimum: 0, maximum: 5, default: 0 },
    content_settings_id: { type: ['string', 'null'], format: 'uuid' },
    transactional: {
      type: 'boolean',
      description: "transactional mail: not counted or capped by the workspace's frequency_caps",
    },
    quiet_hours: {
      ...quietHours,
      description: "the journey's own quiet hours, or null for none; absent: the workspace's quiet_hours",
    },
    entry_pacing: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['max_contacts', 'per'],
      description:
        "admit at most max_contacts contacts per hour or day (the workspace's time zone), on weekdays only if given; the rest wait in order",
      properties: {
        max_contacts: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        per: { type: 'string', enum: ['hour', 'day'] },
        weekdays: {
          type: ['array', 'null'],
          minItems: 1,
          maxItems: 7,
          uniqueItems: true,
          items: { type: 'integer', minimum: 1, maximum: 7 },
          description: 'ISO weekdays, 1 = Monday … 7 = Sunday',
        },
      },
    },
    goal: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['event', 'target_share', 'exit'],
      description:
        'the journey goal (docs/scheduler.md#goal): the event that reaches it, the share of entered contacts aimed at, and whether reaching it exits the journey',
      properties: {
        event: { type: 'string', enum: [...GOAL_EVENTS] },
        email_tile_id: { type: ['string', 'null'], pattern: '^[A-Za-z0-9_-]{1,64}$' },
        link_id: { type: ['string', 'null'], pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
        form_id: { type: ['string', 'null'], format: 'uuid' },
        event_type: { type: ['string', 'null'], enum: [...GOAL_EVENT_TYPES, null] },
        target_share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        exit: { type: 'boolean' },
      },
    },
    holdout: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['share'],
      description:
        'the journey holdout (docs/scheduler.md#holdout): the share of entering contacts, 0 < share ≤ 0.5, that travel the journey without mail; fixed at go-live',
      properties: { share: { type: 'number', exclusiveMinimum: 0, maximum: MAX_HOLDOUT_SHARE } },
    },
  },
};

export const writable = {
  name: { type: 'string', minLength: 1, maxLength: 300 },
  graph: graphSchema,
  settings: settingsSchema,
};

/** The window that tripped the circuit breaker (docs/scheduler.md#circuit-breaker): a journey's or a sending domain's. */
export const breakerRateProperties = {
  sends: { type: 'integer' },
  hard_bounces: { type: 'integer' },
  complaints: { type: 'integer' },
  hard_bounce_rate: { type: 'number' },
  complaint_rate: { type: 'number' },
} as const;

export const output = {
  status: { type: 'string', enum: ['draft', 'live', 'paused', 'stopped', 'completed'] },
  went_live_at: { type: ['string', 'null'], format: 'date-time' },
  // set while the circuit breaker holds the journey (docs/scheduler.md#circuit-breaker)
  paused_at: { type: ['string', 'null'], format: 'date-time' },
  paused_reason: { type: ['string', 'null'] },
  pause_rates: { type: ['object', 'null'], properties: breakerRateProperties },
};

export const tags = ['journeys'];

export const checkResponse = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

export const item = { type: 'object', additionalProperties: true, properties: { id: { type: 'string' }, ...output } };

export const recurrenceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['count'],
  properties: { count: { type: 'integer', minimum: 1 } },
} as const;

export const milestone = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    note: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
};
