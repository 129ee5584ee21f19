/** What the schemas of the three engagement route plugins (engagement-*.routes.ts) have in common. */

export const tags = ['engagement'];
export const uuid = { type: 'string', format: 'uuid' } as const;

/** A one-to-one message's or template's body. */
export const bodyHtml = {
  type: 'string',
  minLength: 1,
  maxLength: 500_000,
  description: 'HTML with Handlebars merge fields ({{contact.*}}, {{account.*}})',
} as const;
