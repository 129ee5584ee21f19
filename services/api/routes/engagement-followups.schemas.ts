/** The schemas of engagement-followups.routes.ts: reminders, alerts, the best delivery time and the settings. */
import { uuid } from './engagement.schemas';

const CONDITIONS = ['no_reply_by', 'not_opened_by', 'anyway'] as const;

export const reminder = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    message_id: { type: 'string' },
    title: { type: 'string' },
    condition: { type: 'string' },
    remind_at: { type: 'string' },
    state: { type: 'string' },
  },
} as const;

export const alert = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    kind: {
      type: 'string',
      enum: ['first_open', 'reminder', 'journey_paused', 'sending_domain_paused'],
      description: 'journey_paused and sending_domain_paused: the circuit breaker (docs/scheduler.md#circuit-breaker)',
    },
    // null for a journey_paused or sending_domain_paused alert (docs/scheduler.md#circuit-breaker), which names no message
    message_id: { type: ['string', 'null'] },
    owner: { type: 'string' },
    title: { type: 'string' },
    created_at: { type: 'string' },
    dismissed_at: { type: ['string', 'null'] },
    snoozed_until: {
      type: ['string', 'null'],
      description: 'hidden from the list until then (POST /v1/engagement/alerts/{id}/snooze)',
    },
    task_id: {
      type: ['string', 'null'],
      description: 'the phone_call task POST /v1/engagement/alerts/{id}/call created (GET /v1/tasks/{id})',
    },
    webhook_state: { type: 'string' },
  },
} as const;

export const snoozeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['until'],
  properties: {
    until: {
      type: 'string',
      format: 'date-time',
      description: 'when the alert shows again: in the future, at most 30 days ahead',
    },
  },
} as const;

export const callBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    due_at: { type: 'string', format: 'date-time', description: 'when the call is due; none by default' },
    subject: { type: 'string', minLength: 1, maxLength: 300, description: "by default 'Call: <the alert's title>'" },
  },
} as const;

export const reminderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'condition', 'remind_at'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 300 },
    condition: { type: 'string', enum: CONDITIONS },
    remind_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const reminderQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { message_id: uuid, state: { type: 'string', enum: ['pending', 'fired', 'not_needed', 'cancelled'] } },
} as const;

export const reminderEditBody = {
  type: 'object',
  additionalProperties: false,
  properties: reminderBody.properties,
} as const;

export const alertQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    owner: { type: 'string', maxLength: 200 },
    include_dismissed: { type: 'boolean', default: false },
    include_snoozed: { type: 'boolean', default: false, description: 'also the alerts snoozed until a later time' },
    message_id: uuid,
  },
} as const;

export const bestTimeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    contact_id: { type: 'array', maxItems: 10, items: uuid },
    time_zone: { type: 'string', maxLength: 64 },
  },
} as const;

export const settings = {
  type: 'object',
  properties: { following_enabled: { type: 'boolean' }, alert_webhook_url: { type: ['string', 'null'] } },
} as const;

// Alerts are signed with the workspace's webhook secret (POST /v1/workspace/webhook-secret), like every webhook.
export const settingsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    following_enabled: { type: 'boolean' },
    alert_webhook_url: { type: ['string', 'null'], format: 'uri', pattern: '^https?://', maxLength: 2000 },
  },
} as const;
