import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** RFC 9457-style problem details: the one error shape of the API, always naming the field where there is one. */
export interface FieldError {
  field: string;
  message: string;
}

const TITLES: Record<number, [string, string]> = {
  400: ['validation', 'Request is invalid'],
  401: ['unauthorized', 'API key missing or invalid'],
  403: ['forbidden', 'API key lacks the scope for this operation'],
  404: ['not-found', 'Resource not found'],
  409: ['conflict', 'Resource conflicts with existing state'],
  413: ['payload-too-large', 'Request body is too large'],
  415: ['unsupported-media-type', 'Content type not supported'],
  422: ['check-failed', 'Error check failed'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal error'],
  502: ['upstream', 'An upstream service failed'],
  503: ['unavailable', 'Service unavailable'],
};

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

export const notFound = (what: string): ApiProblem => new ApiProblem(404, `${what} not found`);

export function problemBody(status: number, detail: string, errors: FieldError[] = []): Record<string, unknown> {
  const [type, title] = TITLES[status] ?? (TITLES[500] as [string, string]);
  return { type: `https://cairn.dev/problems/${type}`, title, status, detail, errors };
}

/** The schema of a problem response, referenced from every route's error responses. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

interface AjvError {
  instancePath: string;
  keyword?: string;
  message?: string;
  params: { missingProperty?: string; additionalProperty?: string; format?: string };
}

/** The ajv format of addresses (services/api/app.ts), explained instead of 'must match format "mailbox"'. */
const MAILBOX_MESSAGE =
  'must be one plain address such as news@example.com (no display name, space, CR, LF, NUL, < or >)';

function validationErrors(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'body';
  return ((error.validation ?? []) as AjvError[]).map((item) => {
    const path = item.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const leaf = item.params.missingProperty ?? item.params.additionalProperty;
    const field = [context === 'body' ? '' : context, path, leaf].filter(Boolean).join('.') || context;
    const mailbox = item.keyword === 'format' && item.params.format === 'mailbox';
    const message = item.params.additionalProperty
      ? 'is not a writable field'
      : mailbox
        ? MAILBOX_MESSAGE
        : (item.message ?? 'is invalid');
    return { field, message };
  });
}

const UNIQUE_FIELDS: Record<string, string> = {
  contacts_workspace_email_idx: 'email',
  content_settings_one_default_idx: 'is_default',
  sending_domains_workspace_id_domain_key: 'domain',
  sending_domain_keys_one_next: 'rotation',
  websites_workspace_id_origin_key: 'origin',
};

/** PostgreSQL errors that are the client's fault map to 4xx, the rest stay 500. */
function pgProblem(error: { code?: string; constraint?: string; detail?: string }): ApiProblem | null {
  if (error.code === '23505') {
    const field = UNIQUE_FIELDS[error.constraint ?? ''] ?? 'id';
    return new ApiProblem(409, `a resource with the same ${field} exists`, [{ field, message: 'already exists' }]);
  }
  if (error.code === '22P02' || error.code === '22007' || error.code === '22008')
    return new ApiProblem(400, 'a value has the wrong format');
  if (error.code === '23503') return new ApiProblem(404, 'a referenced resource does not exist');
  return null;
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    void reply
      .code(404)
      .type('application/problem+json')
      .send(problemBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
  app.setErrorHandler((error: FastifyError & { code?: string }, request, reply) => {
    let problem: ApiProblem;
    if (error instanceof ApiProblem) problem = error;
    else if (error.validation)
      problem = new ApiProblem(400, 'the request does not match the schema', validationErrors(error));
    else
      problem =
        pgProblem(error) ??
        new ApiProblem(
          error.statusCode && error.statusCode < 500 ? error.statusCode : 500,
          error.statusCode && error.statusCode < 500 ? error.message : 'internal error',
        );
    if (problem.status >= 500) request.log.error({ err: error }, 'request_failed');
    void reply
      .code(problem.status)
      .type('application/problem+json')
      .send(problemBody(problem.status, problem.detail, problem.errors));
  });
}
