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
    webhook_state: { type: 'string' },
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
