import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { Pool } from 'pg';
import type { ApiConfig } from '../api.config';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { importContacts, type ImportFormat } from '../contact-import';

const FORMATS: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson', 'application/ndjson': 'ndjson' };

const resultSchema = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    duplicates: { type: 'integer', description: 'rows whose email appeared again later in the file (the last one wins)' },
    rejected: { type: 'integer' },
    errors: { type: 'array', items: { type: 'object', properties: { row: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

export function contactImportRoutes(app: FastifyInstance, pool: Pool, config: ApiConfig): void {
  // The body stays a stream: the import never buffers the whole file.
  app.addContentTypeParser(Object.keys(FORMATS), (_req, payload, done) => done(null, payload));
  app.post(
    '/v1/contacts/import',
    {
      bodyLimit: config.importMaxBytes,
      schema: {
        tags: ['contacts'],
        summary: 'Bulk import contacts (text/csv with a header row, or application/x-ndjson), upserting by email',
        description: 'Streams the body into PostgreSQL with COPY. on_error=reject (default) imports nothing when any row is invalid (422 listing the rows); on_error=skip imports the valid rows and lists the rejected ones.',
        querystring: { type: 'object', properties: { on_error: { type: 'string', enum: ['reject', 'skip'], default: 'reject' } } },
        consumes: Object.keys(FORMATS),
        response: { 200: resultSchema },
      },
    },
    async (req) => {
      const format = FORMATS[(req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''];
      if (!format) throw new ApiProblem(415, 'send text/csv or application/x-ndjson');
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > config.importMaxBytes) throw new ApiProblem(413, `import body exceeds ${config.importMaxBytes} bytes; split the file`);
      const { on_error: onError } = req.query as { on_error: 'reject' | 'skip' };
      return importContacts(pool, workspaceOf(req), req.body as Readable, {
        format,
        onError,
        maxBytes: config.importMaxBytes,
        maxErrors: config.importMaxErrors,
        log: req.log as never,
      });
    },
  );
}
