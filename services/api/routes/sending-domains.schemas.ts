import { noContent } from '../pagination';
import { idParams } from '../resource-routes';
import { breakerRateProperties } from './journeys.schemas';

/** The schemas of sending-domains.routes.ts: a domain, its keys' selectors and the DNS records to publish. */
const tags = ['sending domains'];

const record = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['TXT'] },
    name: { type: 'string' },
    value: { type: 'string' },
    purpose: { type: 'string', enum: ['dkim', 'dkim-next', 'spf', 'dmarc'] },
    required: { type: 'boolean', description: 'true: needed to verify; false: advice' },
    note: { type: 'string' },
  },
} as const;

/** Never a private key: the response schema names every field, and fastify drops what it does not name. */
export const sendingDomain = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    domain: { type: 'string', description: 'lower-case ASCII (IDNA)' },
    status: { type: 'string', enum: ['pending', 'verified'] },
    verified_at: { type: ['string', 'null'], format: 'date-time' },
    last_check_at: { type: ['string', 'null'], format: 'date-time' },
    last_check_error: { type: ['string', 'null'] },
    route: { type: ['string', 'null'], description: "its route (PUT .../route); null: its workspace's" },
    created_at: { type: 'string', format: 'date-time' },
    warmup: {
      type: ['object', 'null'],
      description: 'its warm-up schedule (PUT .../warmup); null: none',
      properties: {
        caps: { type: 'array', items: { type: 'integer' } },
        started_on: { type: 'string', format: 'date', description: 'day 1 of the schedule (UTC)' },
        day: { type: 'integer', description: 'the day of the schedule today (UTC); past the caps: done' },
        cap_today: { type: ['integer', 'null'], description: 'null: the schedule is done, no limit' },
        sent_today: { type: 'integer', description: "messages taken from today's cap" },
      },
    },
    paused: {
      type: ['object', 'null'],
      description: 'set when the circuit breaker paused it: mail From it waits until POST .../resume; null: not paused',
      properties: {
        paused_at: { type: 'string', format: 'date-time' },
        reason: {
          type: 'string',
          description: 'e.g. "hard-bounce rate 20.00% over 5.00% of 24 sends in the last 24 h"',
        },
        rates: { type: 'object', description: 'the window that tripped it', properties: breakerRateProperties },
      },
    },
    selectors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { selector: { type: 'string' }, state: { type: 'string', enum: ['active', 'next', 'retired'] } },
      },
    },
    records: { type: 'array', items: record },
  },
} as const;

export const createDomainSchema = {
  tags,
  summary: 'Add a sending domain: Cairn makes its DKIM key and answers the DNS records to publish',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['domain'],
    properties: { domain: { type: 'string', minLength: 1, maxLength: 253 } },
  },
  response: { 201: sendingDomain },
} as const;

export const listDomainsSchema = {
  tags,
  summary: "The workspace's sending domains",
  response: { 200: { type: 'object', properties: { items: { type: 'array', items: sendingDomain } } } },
} as const;

export const getDomainSchema = {
  tags,
  summary: 'A sending domain with its records',
  params: idParams,
  response: { 200: sendingDomain },
} as const;

export const verifyDomainSchema = {
  tags,
  summary:
    "Look the DKIM records up in DNS: verified when the active key's is published; a published next key takes over",
  params: idParams,
  response: { 200: sendingDomain },
} as const;

export const rotateDomainSchema = {
  tags,
  summary: 'Start a key rotation: a next key with a new selector, published beside the current one, then verified',
  params: idParams,
  response: { 200: sendingDomain },
} as const;

export const deleteDomainSchema = {
  tags,
  summary: 'Remove a sending domain and its keys (go-live then refuses its From addresses under strict)',
  params: idParams,
  response: { 204: noContent },
} as const;

export const warmupSchema = {
  tags,
  summary:
    'Set (or with null remove) the warm-up schedule: daily caps that grow, day 1 today (UTC); over the cap, mail waits for the next day',
  params: idParams,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['caps'],
    properties: {
      // bounds checked by the route, so a bad schedule is a 422 naming the cap (docs/api.md#sending-domains)
      caps: { type: ['array', 'null'], maxItems: 1000, items: { type: 'number' } },
    },
  },
  response: { 200: sendingDomain },
} as const;

export const resumeDomainSchema = {
  tags,
  summary:
    'Resume a sending domain the circuit breaker paused: the mail From it that waited is sent, the window starts again (409 when not paused)',
  params: idParams,
  response: { 200: sendingDomain },
} as const;
