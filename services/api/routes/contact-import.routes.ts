import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { Readable } from 'node:stream';
import type { Pool } from 'pg';
import { ownValue } from '../../../lib/platform/own-property';
import type { ApiConfig } from '../api.config';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { importContacts, type ImportFormat } from '../contact-import';

const FORMATS: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

const resultSchema = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    duplicates: {
      type: 'integer',
      description: 'rows whose email appeared again later in the file (the last one wins)',
    },
    rejected: { type: 'integer' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { row: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const importQuery = {
  type: 'object',
  properties: { on_error: { type: 'string', enum: ['reject', 'skip'], default: 'reject' } },
} as const;

/** The body stays a stream: the import never buffers the whole file. */
export function streamImportBodies(app: FastifyInstance): void {
  app.addContentTypeParser(Object.keys(FORMATS), (_req, payload, done) => done(null, payload));
}

export async function contactImportRoutes(
  app: FastifyInstance,
  { pool, config }: { pool: Pool; config: ApiConfig },
): Promise<void> {
  // The body is the raw stream (the content-type parser above): its type is declared with the query's, not inferred.
  app.post<{ Body: Readable; Querystring: FromSchema<typeof importQuery> }>(
    '/v1/contacts/import',
    {
      bodyLimit: config.importMaxBytes,
      schema: {
        tags: ['contacts'],
        summary: 'Bulk import contacts (text/csv with a header row, or application/x-ndjson), upserting by email',
        description:
          'Streams the body into PostgreSQL with COPY. on_error=reject (default) imports nothing when any row is invalid (422 listing the rows); on_error=skip imports the valid rows and lists the rejected ones.',
        querystring: importQuery,
        consumes: Object.keys(FORMATS),
        response: { 200: resultSchema },
      },
    },
    async (req, reply) => {
      const format = ownValue(FORMATS, (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '');
      if (!format) throw new ApiProblem(415, 'send text/csv or application/x-ndjson');
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > config.importMaxBytes)
        throw new ApiProblem(413, `import body exceeds ${config.importMaxBytes} bytes; split the file`);
      try {
        return await importContacts(pool, workspaceOf(req), req.body, {
          format,
          onError: req.query.on_error ?? 'reject',
          maxBytes: config.importMaxBytes,
          maxLineBytes: config.importMaxLineBytes,
          maxErrors: config.importMaxErrors,
          log: req.log as never,
        });
      } catch (error) {
        // A refused import may leave most of the body unread: answer at once and close, rather than drain it.
        void reply.header('connection', 'close');
        throw error;
      }
    },
  );
}
