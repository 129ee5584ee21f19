/** The schemas of templates.routes.ts and template-use.routes.ts (docs/api.md#templates). */
import { pageQuerySchema } from '../pagination';
import { TEMPLATE_KINDS } from '../templates/template-types';
import { writable as emailWritable } from './emails.schemas';
import { writable as journeyWritable } from './journeys.schemas';

export const tags = ['templates'];

/** A built-in's id (builtin-…) or a workspace template's uuid. */
const templateId = {
  type: 'string',
  pattern: '^(builtin-[a-z0-9-]{1,64}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
  description: 'a built-in template (builtin-…) or one of the workspace',
} as const;

export const templateParams = { type: 'object', required: ['id'], properties: { id: templateId } } as const;

export const template = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...TEMPLATE_KINDS] },
    name: { type: 'string' },
    description: { type: 'string' },
    built_in: { type: 'boolean', description: 'part of Cairn: listed in every workspace, cannot be deleted' },
    definition: {
      type: 'object',
      additionalProperties: true,
      description: 'journey: {graph, settings}; email: the draft',
    },
    source_id: { type: ['string', 'null'], description: 'the journey or email it was saved from' },
    created_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...pageQuerySchema.properties, kind: { type: 'string', enum: TEMPLATE_KINDS } },
} as const;

export const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'source_id', 'name'],
  properties: {
    kind: { type: 'string', enum: TEMPLATE_KINDS },
    source_id: { type: 'string', format: 'uuid', description: 'the journey or email (of kind) to copy' },
    name: { type: 'string', minLength: 1, maxLength: 300 },
    description: { type: 'string', maxLength: 2000 },
  },
} as const;

/** What was left out of the copy: an id of the template that names nothing in this workspace. */
const dropped = {
  type: 'array',
  description: "the template's ids that name nothing in this workspace, left out of the new draft",
  items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
};

export const createdFrom = (item: { properties: object }) => ({
  type: 'object',
  additionalProperties: true,
  properties: { ...item.properties, dropped_references: dropped },
});

/** A schema's copy without `default`s: a setting left out keeps the template's value instead of ajv's default. */
function withoutDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDefaults);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== 'default')
      .map(([key, value]) => [key, withoutDefaults(value)]),
  );
}

export const journeyFromTemplateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['template_id'],
  properties: {
    template_id: templateId,
    name: journeyWritable.name,
    settings: withoutDefaults(journeyWritable.settings),
    tiles: {
      type: 'object',
      maxProperties: 500,
      description: "config values per tile id, merged into the template's tile configs (e.g. email_id, segment_ids)",
      propertyNames: { pattern: '^[A-Za-z0-9_-]{1,64}$' },
      additionalProperties: { type: 'object', additionalProperties: true },
    },
  },
};

export const emailFromTemplateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['template_id'],
  properties: { template_id: templateId, ...emailWritable },
};
