import { idParams } from '../resource-routes';
import { noContent, pageQuerySchema, pageSchema } from '../pagination';

/** The schemas of /v1/websites (docs/api.md#websites). */
export const tags = ['websites'];

const writable = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  origin: {
    type: 'string',
    minLength: 1,
    maxLength: 300,
    description:
      "the site's canonical origin scheme://host[:port], e.g. https://shop.example (no path, lower-case host)",
  },
  visitor_id_mode: {
    type: 'string',
    enum: ['none', 'first_party'],
    description:
      "the workspace's consent setting for the site: none (nothing kept beyond the page load and the tab) or first_party (a random visitor id in a first-party cookie)",
  },
  honor_dnt: {
    type: 'boolean',
    description: 'record nothing for a browser that sends DNT: 1 or Sec-GPC: 1 (default true)',
  },
} as const;

export const websiteItem = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    ...writable,
    script: { type: 'string', description: 'the tag to paste into every page of the site' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const createWebsiteSchema = {
  tags,
  summary: 'Register a website (allowed origin) and get its tracking script tag',
  body: { type: 'object', additionalProperties: false, required: ['name', 'origin'], properties: writable },
  response: { 201: websiteItem },
} as const;

export const updateWebsiteSchema = {
  tags,
  summary: "Change a website's name, origin, visitor id mode or Do Not Track setting",
  params: idParams,
  body: { type: 'object', additionalProperties: false, properties: writable },
  response: { 200: websiteItem },
} as const;

export const getWebsiteSchema = {
  tags,
  summary: 'A website with its tracking script tag',
  params: idParams,
  response: { 200: websiteItem },
} as const;

export const listWebsitesSchema = {
  tags,
  summary: "The workspace's websites",
  querystring: pageQuerySchema,
  response: { 200: pageSchema(websiteItem) },
} as const;

export const deleteWebsiteSchema = {
  tags,
  summary: 'Stop tracking a website: its script records nothing more (its recorded activity stays in the insights)',
  params: idParams,
  response: { 204: noContent },
} as const;
