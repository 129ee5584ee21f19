/** Insights of one account's contacts only (404 unless the account is the caller's). */
export const accountFilter = {
  account_id: { type: 'string', format: 'uuid', description: "only this account's contacts" },
} as const;

export const range = {
  from: {
    type: 'string',
    format: 'date',
    description: "first day, inclusive, in the workspace's time zone (PATCH /v1/workspace)",
  },
  to: { type: 'string', format: 'date', description: "last day, inclusive, in the workspace's time zone" },
} as const;
/** One journey's sends of the email, or one tile's of that journey (a tile id names a tile within its journey). */
export const journeyTileFilter = {
  journey_id: { type: 'string', format: 'uuid', description: "only this journey's messages" },
  tile_id: {
    type: 'string',
    pattern: '^[A-Za-z0-9_-]{1,64}$',
    description: 'only the messages this tile of the journey sent (needs journey_id; docs/kpis.md)',
  },
} as const;
export const emailQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    ...accountFilter,
    ...journeyTileFilter,
    version: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;
/** limit and cursor of a keyset-paged list served as JSON and as CSV (interactions, tile contacts, visits, submissions) */
export const keysetListing = {
  limit: {
    type: 'integer',
    minimum: 1,
    maximum: 10000,
    default: 50,
    description: 'JSON pages up to 500, CSV pages up to 10,000',
  },
  cursor: {
    type: 'string',
    maxLength: 600,
    description: 'next_cursor of the previous page (CSV: the x-next-cursor header)',
  },
} as const;
export const anyObject = { type: 'object', additionalProperties: true } as const;
export const anyList = { type: 'object', properties: { items: { type: 'array', items: anyObject } } } as const;
export const tags = ['insights'];
const count = (description: string) => ({ type: 'integer', minimum: 0, description }) as const;
/** One country's opens and clicks: the KPI card's definitions (human only), per the client address's country. */
export const countryList = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'country',
          'openedTotal',
          'openedUnique',
          'clickedTotal',
          'clickedUnique',
          'attachmentViewsTotal',
          'attachmentViewsUnique',
        ],
        properties: {
          country: {
            type: ['string', 'null'],
            description:
              'ISO 3166-1 alpha-2 of the client address at ingest; null: unknown (IPv6, private, or recorded before geography)',
          },
          openedTotal: count('human opens'),
          openedUnique: count('messages opened at least once from this country'),
          clickedTotal: count('human link clicks (attachments apart)'),
          clickedUnique: count('messages with a link clicked from this country'),
          attachmentViewsTotal: count('human attachment views'),
          attachmentViewsUnique: count('messages with an attachment viewed from this country'),
        },
      },
    },
  },
} as const;

export const tileQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    ...accountFilter,
    iteration: { type: 'integer', minimum: 0, description: 'one iteration of a recurring journey' },
  },
} as const;

/** The query of a journey's goal and holdout insights: all iterations, or one. */
export const iterationQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    iteration: { type: 'integer', minimum: 0, description: 'one iteration of a recurring journey' },
  },
} as const;

export const timelineQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...range, limit: { type: 'integer', minimum: 1, maximum: 10000 } },
} as const;
