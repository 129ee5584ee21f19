import { API_KEY_SCOPES } from '../../../lib/domain/auth/api-keys';
import { noContent, pageQuerySchema, pageSchema } from '../pagination';

const scopes = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: API_KEY_SCOPES },
} as const;
const keyCreated = {
  type: 'object',
  properties: {
    key: { type: 'string', description: 'shown once; store it now' },
    key_id: { type: 'string' },
    workspace_id: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
};
const webhookSecret = {
  type: 'string',
  description: "the workspace's webhook signing secret (x-cairn-signature); shown once: store it now",
} as const;
const workspaceCreated = { ...keyCreated, properties: { ...keyCreated.properties, webhook_secret: webhookSecret } };
const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

export const createWorkspaceSchema = {
  tags: ['workspaces'],
  summary:
    'Operator bootstrap: create a workspace, its first API key and its webhook signing secret (Authorization: Bearer $CAIRN_ADMIN_TOKEN)',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      key_name: { type: 'string', maxLength: 200 },
    },
  },
  response: { 201: workspaceCreated },
} as const;

export const createKeySchema = {
  tags: ['workspaces'],
  summary: "Create another API key in the caller's workspace",
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['scopes'],
    properties: { name: { type: 'string', maxLength: 200 }, scopes },
  },
  response: { 201: keyCreated },
} as const;

export const listKeysSchema = {
  tags: ['workspaces'],
  summary: 'List API keys (never their secrets)',
  querystring: pageQuerySchema,
  response: { 200: pageSchema(keySchema) },
} as const;

export const revokeKeySchema = {
  tags: ['workspaces'],
  summary: 'Revoke an API key',
  params: {
    type: 'object',
    required: ['keyId'],
    properties: { keyId: { type: 'string', pattern: '^[a-z0-9]{12}$' } },
  },
  response: { 204: noContent },
} as const;

const blockRoleAddresses = {
  type: 'boolean',
  description:
    'block role mailboxes (info@, sales@, support@, contact@, admin@, noreply@, …) as blocked reason `role_address`; default false',
} as const;

const frequencyCaps = {
  type: 'array',
  maxItems: 10,
  description:
    'at most max_sends commercial emails per contact in any window_hours rolling hours, across every journey (transactional journeys are not capped); [] caps nothing',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['max_sends', 'window_hours'],
    properties: {
      max_sends: { type: 'integer', minimum: 1, maximum: 1000 },
      window_hours: { type: 'integer', minimum: 1, maximum: 8760 },
    },
  },
} as const;

const CLOCK_TIME = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const;

/** Quiet hours (docs/scheduler.md#quiet-hours): the workspace's, or a journey's own (null: none). */
export const quietHours = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['start', 'end'],
  description:
    "a daily window of local time (the contact's time zone, else the workspace's) in which journeys send no email; held contacts are sent when it ends, spread over spread_minutes; null: none",
  properties: {
    start: { ...CLOCK_TIME, description: 'HH:MM, local time the window opens' },
    end: { ...CLOCK_TIME, description: 'HH:MM, local time it ends (before start: the next day)' },
    spread_minutes: {
      type: 'integer',
      minimum: 0,
      maximum: 240,
      description: 'releases spread over this many minutes after the end, a stable offset per contact; default 10',
    },
  },
} as const;

/** docs/pages-and-forms.md#forms: origins whose pages post to the workspace's forms and take its thank-you redirects. */
const formOrigins = {
  type: 'array',
  maxItems: 20,
  items: { type: 'string', maxLength: 300 },
  description:
    "canonical origins scheme://host[:port] (http or https, lower-case host, no path, query, fragment or credentials) whose pages may post to the workspace's forms and that a form's thank-you redirect may lead to; [] allows none",
} as const;

const settingsSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    time_zone: { type: 'string', description: 'IANA time zone of insights days' },
    block_role_addresses: blockRoleAddresses,
    frequency_caps: frequencyCaps,
    quiet_hours: quietHours,
    form_origins: formOrigins,
    route: { type: ['string', 'null'], description: 'the route its mail takes, set by the operator; null: default' },
    webhook_secret_rotated_at: {
      type: 'string',
      format: 'date-time',
      description: 'when the webhook signing secret was made (the secret itself is never shown again)',
    },
  },
} as const;

export const readSettingsSchema = {
  tags: ['workspaces'],
  summary: "The caller's workspace and its settings",
  response: { 200: settingsSchema },
} as const;

export const changeSettingsSchema = {
  tags: ['workspaces'],
  summary:
    "Change the caller's workspace settings (time_zone: IANA name, e.g. Europe/Oslo; block_role_addresses: boolean; frequency_caps: rules, one per window; quiet_hours: {start, end, spread_minutes} or null; form_origins: canonical origins)",
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      time_zone: { type: 'string', minLength: 1, maxLength: 64 },
      block_role_addresses: blockRoleAddresses,
      frequency_caps: frequencyCaps,
      quiet_hours: quietHours,
      form_origins: formOrigins,
    },
  },
  response: { 200: settingsSchema },
} as const;

const rotated = {
  type: 'object',
  properties: { webhook_secret: webhookSecret, webhook_secret_rotated_at: { type: 'string', format: 'date-time' } },
} as const;

export const rotateSecretSchema = {
  tags: ['workspaces'],
  summary: 'Rotate the webhook signing secret: a new one signs from now on, the old one no longer does (shown once)',
  response: { 200: rotated },
} as const;
