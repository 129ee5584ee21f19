/** The schemas of engagement-messages.routes.ts: a message to send, how one is shown, and the list's query. */
import { KPI_COLUMNS } from '../engagement/engagement-queries';
import { bodyHtml, uuid } from './engagement.schemas';

export const messageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['from_address', 'recipients'],
  properties: {
    template_id: { ...uuid, description: 'an engagement template; subject and body_html, when given, replace its own' },
    subject: { type: 'string', minLength: 1, maxLength: 998 },
    body_html: bodyHtml,
    from_address: { type: 'string', format: 'mailbox', maxLength: 254 },
    from_name: { type: 'string', maxLength: 200 },
    reply_to: { type: ['string', 'null'], format: 'mailbox', maxLength: 254 },
    recipients: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: uuid,
      description: 'contact ids; each gets a copy of their own',
    },
    regarding: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'id'],
      properties: { type: { type: 'string', enum: ['contact', 'account', 'lead'] }, id: uuid },
    },
    follow: { type: 'boolean', default: true, description: 'beacon, signed links and followed attachments' },
    allow_unfollowed: {
      type: 'boolean',
      default: false,
      description: 'send unfollowed when a recipient does not allow following (else 409 naming them)',
    },
    attachments: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['attachment_id'],
        properties: { attachment_id: uuid, followed: { type: 'boolean', default: true } },
      },
    },
    send_at: { type: 'string', format: 'date-time', description: 'scheduled send; now when absent' },
    owner: {
      type: 'string',
      maxLength: 200,
      description: 'who the alerts and reminders are for (a user id of the calling tool)',
    },
  },
} as const;

const kpis = {
  type: 'object',
  properties: {
    opens: { type: 'integer' },
    last_opened_at: { type: ['string', 'null'] },
    attachment_views: { type: 'integer' },
    link_clicks: { type: 'integer' },
    replies: { type: 'integer' },
    machine_events: { type: 'integer' },
  },
};

export const message = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    subject: { type: 'string' },
    state: { type: 'string' },
    status: { type: 'string' },
    followed: { type: 'boolean' },
    send_at: { type: 'string' },
    template_id: { type: ['string', 'null'] },
    email_id: { type: 'string' },
    email_version: { type: 'integer' },
    owner: { type: 'string' },
    recipients: {
      type: 'array',
      items: { type: 'object', properties: { contact_id: { type: 'string' }, message_id: { type: 'string' } } },
    },
    kpis,
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sort: { type: 'string', enum: ['created_at', ...KPI_COLUMNS], default: 'created_at' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 200 },
  },
} as const;

export const listResponse = {
  type: 'object',
  properties: { items: { type: 'array', items: message }, next_cursor: { type: ['string', 'null'] } },
};

export const historyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } },
} as const;

export const rescheduleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['send_at'],
  properties: { send_at: { type: 'string', format: 'date-time' } },
} as const;
