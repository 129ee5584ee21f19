import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import { templateStats } from '../engagement/engagement-queries';
import { rankTemplates } from '../engagement/template-ranking';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { checkContent } from '../engagement-content';
import { newDownloadToken } from '../engagement-message.service';
import { noContent } from '../pagination';
import { idParams } from '../resource-routes';

const tags = ['engagement'];
const templateFields = {
  name: { type: 'string', minLength: 1, maxLength: 300 },
  subject: { type: 'string', minLength: 1, maxLength: 998 },
  body_html: {
    type: 'string',
    minLength: 1,
    maxLength: 500_000,
    description: 'HTML with Handlebars merge fields ({{contact.*}}, {{account.*}})',
  },
} as const;
const stats = {
  sent: { type: 'integer' },
  opened: { type: 'integer' },
  replied: { type: 'integer' },
  open_rate: { type: ['number', 'null'] },
  reply_rate: { type: ['number', 'null'] },
  recommended: { type: 'boolean' },
} as const;
const template = {
  type: 'object',
  additionalProperties: true,
  properties: { id: { type: 'string' }, ...templateFields, ...stats },
} as const;
const SORTS = ['name', 'sent', 'open_rate', 'reply_rate', 'recommended'] as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sort: { type: 'string', enum: SORTS, default: 'recommended' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
  },
} as const;

type Listed = {
  id: string;
  name: string;
  sent: number;
  open_rate: number | null;
  reply_rate: number | null;
  recommended: boolean;
} & Record<string, unknown>;

function compare(sort: (typeof SORTS)[number]): (a: Listed, b: Listed) => number {
  if (sort === 'name') return (a, b) => a.name.localeCompare(b.name);
  if (sort === 'recommended')
    return (a, b) =>
      Number(a.recommended) - Number(b.recommended) ||
      (a.reply_rate ?? -1) - (b.reply_rate ?? -1) ||
      (a.open_rate ?? -1) - (b.open_rate ?? -1);
  return (a, b) => ((a[sort] as number | null) ?? -1) - ((b[sort] as number | null) ?? -1);
}

/** One-to-one email templates with their measured rates and recommendation; uploads for followed attachments. */
export async function engagementTemplateRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const load = async (workspaceId: string, id: string) => {
    const { rows } = await pool.query(
      'SELECT id::text, name, subject, body_html, created_at, updated_at FROM engagement_templates WHERE workspace_id = $1 AND id = $2',
      [workspaceId, id],
    );
    if (!rows[0]) throw notFound('template');
    return rows[0] as Record<string, unknown>;
  };

  const createBody = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'subject', 'body_html'],
    properties: templateFields,
  } as const;
  app.post(
    '/v1/engagement/templates',
    { schema: { tags, summary: 'Create a one-to-one email template', body: createBody, response: { 201: template } } },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      checkContent(req.body.subject, req.body.body_html);
      const id = await inTransaction(pool, async (client) => {
        // its emails row (same id): messages made from the template are that email's versions
        const { rows } = await client.query<{ id: string }>(
          "INSERT INTO emails (workspace_id, name, status, channel) VALUES ($1, $2, 'live', 'one_to_one') RETURNING id::text",
          [workspaceId, req.body.name],
        );
        const emailId = (rows[0] as { id: string }).id;
        await client.query(
          'INSERT INTO engagement_templates (id, workspace_id, name, subject, body_html) VALUES ($1, $2, $3, $4, $5)',
          [emailId, workspaceId, req.body.name, req.body.subject, req.body.body_html],
        );
        return emailId;
      });
      return reply.code(201).send(await load(workspaceId, id));
    },
  );

  app.get(
    '/v1/engagement/templates',
    {
      schema: {
        tags,
        summary:
          'Templates with messages sent, open rate, reply rate (human traffic, ClickHouse) and the recommended flag',
        querystring: listQuery,
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: template }, min_sends: { type: 'integer' } },
          },
        },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { rows } = await pool.query<{ id: string; name: string }>(
        'SELECT id::text, name, subject, body_html, created_at, updated_at FROM engagement_templates WHERE workspace_id = $1 ORDER BY id LIMIT 1000',
        [workspaceId],
      );
      const ranked = rankTemplates(
        await templateStats(
          deps.clickhouse,
          workspaceId,
          rows.map((r) => r.id),
        ),
        rows.map((r) => r.id),
        deps.config.templateMinSends,
      );
      const items: Listed[] = rows.map((row) => ({ ...row, ...(ranked.get(row.id) as object) }) as Listed);
      const { sort = 'recommended', order = 'desc' } = req.query;
      items.sort(compare(sort));
      if (order === 'desc') items.reverse();
      return { items, min_sends: deps.config.templateMinSends };
    },
  );

  app.get(
    '/v1/engagement/templates/:id',
    { schema: { tags, summary: 'A template', params: idParams, response: { 200: template } } },
    async (req) => load(workspaceOf(req), req.params.id),
  );

  const editBody = { type: 'object', additionalProperties: false, properties: templateFields } as const;
  app.patch(
    '/v1/engagement/templates/:id',
    {
      schema: {
        tags,
        summary: 'Edit a template (messages already sent keep their frozen copy)',
        params: idParams,
        body: editBody,
        response: { 200: template },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const current = await load(workspaceId, req.params.id);
      const next = { ...current, ...req.body } as { name: string; subject: string; body_html: string };
      checkContent(next.subject, next.body_html);
      await pool.query(
        'UPDATE engagement_templates SET name = $3, subject = $4, body_html = $5, updated_at = now() WHERE workspace_id = $1 AND id = $2',
        [workspaceId, req.params.id, next.name, next.subject, next.body_html],
      );
      return load(workspaceId, req.params.id);
    },
  );

  app.delete(
    '/v1/engagement/templates/:id',
    {
      schema: {
        tags,
        summary: 'Delete a template (its sent messages and their history stay)',
        params: idParams,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      const { rowCount } = await pool.query('DELETE FROM engagement_templates WHERE workspace_id = $1 AND id = $2', [
        workspaceOf(req),
        req.params.id,
      ]);
      if (!rowCount) throw notFound('template');
      return reply.code(204).send(null);
    },
  );

  untyped.register(async (scope) => attachmentUpload(scope, deps));
}

/** POST /v1/engagement/attachments: the file is the body (any content type), up to CAIRN_API_ATTACHMENT_MAX_BYTES. */
function attachmentUpload(scope: FastifyInstance, deps: ApiDeps): void {
  // Scoped to this plugin: only this route takes arbitrary bodies as a buffer.
  scope.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: deps.config.attachmentMaxBytes },
    (_req, body, done) => done(null, body),
  );
  const query = {
    type: 'object',
    additionalProperties: false,
    required: ['filename'],
    properties: { filename: { type: 'string', minLength: 1, maxLength: 255 } },
  } as const;
  const created = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      filename: { type: 'string' },
      content_type: { type: 'string' },
      size: { type: 'integer' },
    },
  } as const;
  scope.withTypeProvider<JsonSchemaToTsProvider>().post(
    '/v1/engagement/attachments',
    {
      bodyLimit: deps.config.attachmentMaxBytes,
      schema: {
        tags,
        summary: 'Upload a file for one-to-one messages (the body is the file; ?filename=)',
        querystring: query,
        response: { 201: created },
      },
    },
    async (req, reply) => {
      const content = req.body as unknown;
      if (!Buffer.isBuffer(content) || content.length === 0)
        throw new ApiProblem(400, 'the body must be the file', [{ field: 'body', message: 'empty' }]);
      if (/[\0\r\n/\\]/.test(req.query.filename))
        throw new ApiProblem(400, 'filename must be a plain name', [
          { field: 'querystring.filename', message: 'no path separators or control characters' },
        ]);
      const type =
        String(req.headers['content-type'] ?? 'application/octet-stream')
          .split(';')[0]
          ?.trim() || 'application/octet-stream';
      const { rows } = await deps.pool.query(
        'INSERT INTO engagement_attachments (workspace_id, filename, content_type, size, content, download_token) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text, filename, content_type, size',
        [workspaceOf(req), req.query.filename, type, content.length, content, newDownloadToken()],
      );
      return reply.code(201).send(rows[0]);
    },
  );
}
