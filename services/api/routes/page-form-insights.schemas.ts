import { keysetListing, range } from './insights.schemas';

/** Query of the page and form insights (docs/api.md#page-and-form-insights). */
const journeyFilter = {
  journey_id: {
    type: 'string',
    format: 'uuid',
    description: "only visits and submissions through a landing-page link of this journey's messages",
  },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...range, ...journeyFilter },
} as const;

export const formQuery = { type: 'object', additionalProperties: false, properties: { ...range } } as const;

export const visitsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    ...journeyFilter,
    ...keysetListing,
    machine: { type: 'boolean', default: false, description: 'list machine traffic instead of human visits' },
  },
} as const;

export const pageSubmissionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...range, ...journeyFilter, ...keysetListing },
} as const;

export const formSubmissionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...range, ...keysetListing },
} as const;

export interface PageFormQuery {
  from?: string;
  to?: string;
  journey_id?: string;
  limit?: number;
  cursor?: string;
  machine?: boolean;
}

const count = { type: 'integer', minimum: 0 } as const;
export const pageKpisSchema = {
  type: 'object',
  required: ['visits', 'uniqueVisitors', 'submissions', 'conversionRate', 'machineVisits'],
  properties: {
    visits: count,
    uniqueVisitors: count,
    submissions: count,
    conversionRate: { type: 'number', minimum: 0 },
    machineVisits: count,
  },
} as const;

const formCounts = {
  submissions: count,
  contactsCreated: count,
  contactsUpdated: count,
  leadsCreated: count,
  leadsUpdated: count,
  confirmationPending: count,
} as const;
export const formKpisSchema = {
  type: 'object',
  required: Object.keys(formCounts),
  properties: formCounts,
} as const;
