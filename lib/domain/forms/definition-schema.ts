import Ajv, { type ErrorObject } from 'ajv';
import { FIELD_KINDS, type FormDefinition, type PageDefinition } from './form-definition';

/**
 * The shape of a form and a page definition as JSON schemas (lib/domain/forms/form-definition.ts): types, bounds
 * and required keys. The rules that need more than a shape (names, one email field, list ids, origins) are in
 * form-check.ts. Ajv reports every problem; definitionIssues names each by its place, e.g.
 * `definition.fields[2].max_length` (docs/api.md#forms-and-pages).
 */

export interface DefinitionIssue {
  field: string;
  message: string;
}

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

const option = {
  type: 'object',
  additionalProperties: false,
  required: ['value', 'label'],
  properties: { value: { type: 'string', minLength: 1, maxLength: 200 }, label: text(200) },
} as const;

const field = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'label', 'required'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 60 },
    kind: { type: 'string', enum: [...FIELD_KINDS] },
    label: text(200),
    required: { type: 'boolean' },
    max_length: { type: 'integer', minimum: 1, maximum: 5000 },
    min: { type: 'number' },
    max: { type: 'number' },
    options: { type: 'array', minItems: 1, maxItems: 100, items: option },
  },
} as const;

export const formDefinitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fields', 'create_lead', 'list_ids', 'consent_level', 'double_opt_in', 'thank_you', 'min_fill_seconds'],
  properties: {
    fields: { type: 'array', maxItems: 30, items: field },
    create_lead: { type: 'boolean' },
    list_ids: { type: 'array', maxItems: 100, items: { type: 'string', pattern: UUID } },
    consent_level: { type: ['integer', 'null'], minimum: 0, maximum: 5 },
    double_opt_in: { type: 'boolean' },
    confirmation: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['from_address'],
      properties: {
        from_address: text(254),
        from_name: text(200),
        subject: text(998),
        text: text(5000),
      },
    },
    thank_you: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { type: 'string', enum: ['message', 'redirect'] } },
      discriminator: { propertyName: 'kind' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'message'],
          properties: { kind: { const: 'message' }, message: text(2000) },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'url'],
          properties: { kind: { const: 'redirect' }, url: { type: 'string', minLength: 1, maxLength: 2000 } },
        },
      ],
    },
    min_fill_seconds: { type: 'integer', minimum: 0, maximum: 3600 },
  },
} as const;

export const pageDefinitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'content_type', 'content', 'content_settings_id'],
  properties: {
    title: text(200),
    content_type: { type: 'string', enum: ['mjml', 'html'] },
    content: text(500_000),
    content_settings_id: { type: ['string', 'null'], pattern: UUID },
  },
} as const;

const ajv = new Ajv({ allErrors: true, discriminator: true, allowUnionTypes: true, strict: true });
export const isFormDefinitionShape = ajv.compile<FormDefinition>(formDefinitionSchema);
export const isPageDefinitionShape = ajv.compile<PageDefinition>(pageDefinitionSchema);

/** `/fields/2/max_length` → `definition.fields[2].max_length`. */
export function fieldName(root: string, pointer: string, leaf?: string): string {
  const parts = pointer.split('/').slice(1);
  if (leaf !== undefined) parts.push(leaf);
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : `${name}.${part}`), root);
}

/** Ajv's errors as issues, one per place (the first message of each). */
export function definitionIssues(root: string, errors: readonly ErrorObject[] | null | undefined): DefinitionIssue[] {
  const byField = new Map<string, string>();
  for (const error of errors ?? []) {
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    const leaf = params.missingProperty ?? params.additionalProperty;
    const name = fieldName(root, error.instancePath, leaf);
    const message = params.additionalProperty
      ? 'is not a known field'
      : params.missingProperty
        ? 'is required'
        : (error.message ?? 'is invalid');
    if (!byField.has(name)) byField.set(name, message);
  }
  return [...byField].map(([name, message]) => ({ field: name, message }));
}
