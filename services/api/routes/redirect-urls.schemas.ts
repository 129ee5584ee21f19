import { keysetListing, range } from './insights.schemas';

/** The schemas of redirect-urls.routes.ts and of the redirect URL insights (docs/api.md#redirect-urls). */

const name = { type: 'string', minLength: 1, maxLength: 300 } as const;

export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'destination'],
  properties: {
    name,
    destination: {
      type: 'string',
      minLength: 1,
      maxLength: 8192,
      description:
        'absolute http(s) URL, fixed for good: no credentials, at most 2,048 characters once canonicalised, no loopback or private IP literal (422 naming destination)',
    },
  },
} as const;

export const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name,
    disabled: { type: 'boolean', description: 'true: ingest answers 404 for the code; false: it redirects again' },
    destination: { description: 'never changes: any value is a 422 naming destination (make a new redirect URL)' },
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 200, description: 'next_cursor of the previous page' },
    disabled: { type: 'boolean', description: 'only disabled (true) or only enabled (false) ones' },
  },
} as const;

export const redirectItem = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    code: { type: 'string' },
    destination: { type: 'string' },
    short_url: { type: 'string', description: "ingest's public URL that redirects to destination" },
    disabled: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    disabled_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const insightsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...range },
} as const;

export const clicksQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    ...keysetListing,
    machine: { type: 'boolean', default: false, description: 'machine traffic only (default: human clicks only)' },
  },
} as const;

const counts = {
  clicks: { type: 'integer', description: 'every click, human and machine' },
  humanClicks: { type: 'integer' },
  machineClicks: { type: 'integer' },
} as const;

export const redirectInsightsSchema = {
  type: 'object',
  properties: {
    ...counts,
    countries: {
      type: 'array',
      items: {
        type: 'object',
        properties: { country: { type: ['string', 'null'] }, humanClicks: { type: 'integer' } },
      },
    },
    days: {
      type: 'array',
      items: { type: 'object', properties: { day: { type: 'string' }, ...counts } },
    },
  },
} as const;

/** One click of the timeline (services/api/insights/redirect-url-kpis.ts RedirectClick). */
export const clickItem = {
  type: 'object',
  properties: {
    eventId: { type: 'string' },
    at: { type: 'string', description: "'YYYY-MM-DD hh:mm:ss' UTC" },
    country: { type: ['string', 'null'], description: 'ISO 3166-1 alpha-2 of the client address; null: unknown' },
    userAgentClass: { type: 'string', description: 'desktop, mobile, tablet, tv, bot or unknown' },
    machine: { type: 'boolean' },
    machineReason: {
      type: 'string',
      description: "head, prefetch, scanner_ua, scanner_net, apple_mpp; '' for a person",
    },
  },
} as const;
