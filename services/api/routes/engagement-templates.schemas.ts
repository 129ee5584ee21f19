/** The schemas of engagement-templates.routes.ts: one-to-one templates with their rates, and attachment uploads. */
import { bodyHtml } from './engagement.schemas';

const templateFields = {
  name: { type: 'string', minLength: 1, maxLength: 300 },
  subject: { type: 'string', minLength: 1, maxLength: 998 },
  body_html: bodyHtml,
} as const;

const stats = {
  sent: { type: 'integer' },
  opened: { type: 'integer' },
  replied: { type: 'integer' },
  leads: { type: 'integer', description: 'messages followed by a lead for their contact within lead_window_days' },
  open_rate: { type: ['number', 'null'] },
  reply_rate: { type: ['number', 'null'] },
  lead_rate: { type: ['number', 'null'] },
  recommended: { type: 'boolean' },
} as const;

export const template = {
  type: 'object',
  additionalProperties: true,
  properties: { id: { type: 'string' }, ...templateFields, ...stats },
} as const;

export const SORTS = ['name', 'sent', 'open_rate', 'reply_rate', 'lead_rate', 'recommended'] as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sort: { type: 'string', enum: SORTS, default: 'recommended' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
  },
} as const;

export const listResponse = {
  type: 'object',
  properties: {
    items: { type: 'array', items: template },
    min_sends: { type: 'integer' },
    lead_window_days: { type: 'integer' },
  },
};

export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'subject', 'body_html'],
  properties: templateFields,
} as const;

export const editBody = { type: 'object', additionalProperties: false, properties: templateFields } as const;

export const attachmentQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['filename'],
  properties: { filename: { type: 'string', minLength: 1, maxLength: 255 } },
} as const;

export const attachmentCreated = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    filename: { type: 'string' },
    content_type: { type: 'string' },
    size: { type: 'integer' },
  },
} as const;
