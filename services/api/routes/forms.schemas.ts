/** The schemas of forms.routes.ts: forms and pages share them, each with the fields of its own answers. */

const definition = {
  type: 'object',
  additionalProperties: true,
  description:
    'the draft definition (lib/domain/forms/form-definition.ts); on PATCH its keys replace the stored ones. Checked as a whole: a problem is a 422 naming its place, e.g. definition.fields[2].max_length',
} as const;

export const writeBody = (required: string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    required,
    minProperties: 1,
    properties: { name: { type: 'string', minLength: 1, maxLength: 300 }, definition },
  }) as const;

const issues = {
  type: 'array',
  items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
};

export const checkResponse = { type: 'object', properties: { ok: { type: 'boolean' }, errors: issues } };

/** What a form answer adds to its row. */
export const formExtras = {
  submit_url: { type: 'string', description: "ingest's submit URL of the form" },
  embed: {
    type: 'object',
    properties: {
      script: { type: 'string', description: 'a <script> tag that renders the form with its signed ticket' },
      html: { type: 'string', description: 'the form as plain HTML (its live version, else its draft)' },
    },
  },
};

/** What a page answer adds to its row. */
export const pageExtras = {
  public_url: { type: 'string', description: 'where ingest serves the live version' },
};

export const itemOf = (extras: Record<string, object>) => ({
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    definition: { type: 'object', additionalProperties: true },
    status: { type: 'string', enum: ['draft', 'live', 'stopped'] },
    live_version: { type: ['integer', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    ...extras,
  },
});

export const versionResponse = {
  type: 'object',
  additionalProperties: true,
  description: 'the frozen version as go-live stored it',
  properties: { version: { type: 'integer' }, created_at: { type: 'string', format: 'date-time' } },
};
