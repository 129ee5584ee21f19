import { MAX_TEST_ADDRESSES } from '../../../lib/contracts/sending/test-send';
/** The schemas of emails.routes.ts: the draft, its check and go-live, frozen versions, preview and test send. */

const draftFields = {
  subject: { type: 'string', maxLength: 998 },
  from_address: { type: 'string', format: 'mailbox', maxLength: 254 },
  from_name: { type: 'string', maxLength: 200 },
  reply_to: {
    type: ['string', 'null'],
    format: 'mailbox',
    maxLength: 254,
    description: 'null: replies go to the from address',
  },
  preview_text: { type: 'string', maxLength: 500 },
  body_mjml: {
    type: 'string',
    maxLength: 500_000,
    description: 'MJML with Handlebars merge fields ({{contact.*}}, {{account.*}}, {{content.*}})',
  },
  content_settings_id: { type: ['string', 'null'], format: 'uuid' },
  attachments: {
    type: 'array',
    maxItems: 50,
    description: 'followed attachments: links in the body to these URLs are tracked as attachment downloads',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { url: { type: 'string', maxLength: 2000 }, label: { type: 'string', maxLength: 200, default: '' } },
    },
  },
} as const;

export const writable = { name: { type: 'string', minLength: 1, maxLength: 300 }, ...draftFields } as const;

const issuesSchema = {
  type: 'array',
  items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
};

const linkSchema = {
  type: 'object',
  properties: {
    link_id: { type: 'string' },
    url: { type: 'string' },
    kind: { type: 'string' },
    label: { type: 'string' },
  },
};

export const emailOutput = {
  status: { type: 'string', enum: ['draft', 'live', 'stopped'] },
  live_version: { type: ['integer', 'null'] },
  draft: { type: 'object', additionalProperties: true },
};

export const tags = ['emails'];

export const versionParams = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'integer', minimum: 1 } },
} as const;

export const item = {
  type: 'object',
  additionalProperties: true,
  properties: { id: { type: 'string' }, name: { type: 'string' }, ...emailOutput },
};

export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: writable,
} as const;

export const editBody = { type: 'object', additionalProperties: false, properties: writable } as const;

export const checkResponse = { type: 'object', properties: { ok: { type: 'boolean' }, errors: issuesSchema } };

export const goLiveResponse = {
  type: 'object',
  properties: {
    email_id: { type: 'string' },
    version: { type: 'integer' },
    links: { type: 'array', items: linkSchema },
  },
};

export const versionSummary = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    version: { type: 'integer' },
    subject: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

export const versionResponse = {
  type: 'object',
  additionalProperties: true,
  properties: { links: { type: 'array', items: linkSchema } },
};

export const contactBody = {
  type: 'object',
  additionalProperties: false,
  required: ['contact_id'],
  properties: { contact_id: { type: 'string', format: 'uuid' } },
} as const;

export const previewResponse = {
  type: 'object',
  additionalProperties: false,
  properties: { subject: { type: 'string' }, from_name: { type: 'string' }, html: { type: 'string' } },
};

export const testBody = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'contact_id'],
  properties: {
    contact_id: { type: 'string', format: 'uuid', description: 'whose data fills the merge fields' },
    to: { type: 'array', minItems: 1, maxItems: MAX_TEST_ADDRESSES, items: { type: 'string', maxLength: 254 } },
  },
} as const;

export const testSendResponse = {
  type: 'object',
  properties: {
    sent_to: { type: 'integer', description: 'addresses queued for the sender' },
    request_id: { type: 'string' },
  },
};
