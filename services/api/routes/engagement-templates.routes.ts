import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { templateStats } from '../engagement/engagement-queries';
import { templateLeadCounts } from '../engagement/template-leads';
import { byRates, rankTemplates } from '../engagement/template-ranking';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { ApiDeps, TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { checkContent } from '../engagement-content';
import { newDownloadToken } from '../engagement-message.service';
import { noContent } from '../pagination';
import { idParams } from '../resource-routes';
import {
  attachmentCreated,
  attachmentQuery,
  createBody,
  editBody,
  listQuery,
  listResponse,
  SORTS,
  template,
} from './engagement-templates.schemas';
import { tags } from './engagement.schemas';

type Listed = {
  id: string;
  name: string;
  sent: number;
  open_rate: number | null;
  reply_rate: number | null;
  lead_rate: number | null;
  recommended: boolean;
} & Record<string, unknown>;

function compare(sort: (typeof SORTS)[number]): (a: Listed, b: Listed) => number {
  if (sort === 'name') return (a, b) => a.name.localeCompare(b.name);
  if (sort === 'recommended') return (a, b) => Number(a.recommended) - Number(b.recommended) || byRates(a, b);
  return (a, b) => ((a[sort] as number | null) ?? -1) - ((b[sort] as number | null) ?? -1);
}

/** One-to-one email templates with their measured rates and recommendation; uploads for followed attachments. */
export async function engagementTemplateRoutes(untyped: FastifyInstance, deps: ApiDeps): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  createTemplateRoute(app, deps.pool);
  listTemplatesRoute(app, deps);
  getTemplateRoute(app, deps.pool);
  editTemplateRoute(app, deps.pool);
  deleteTemplateRoute(app, deps.pool);
  untyped.register(async (scope) => attachmentUpload(scope, deps));
}

async function loadTemplate(pool: Pool, workspaceId: string, id: string) {
  const { rows } = await pool.query(
    'SELECT id::text, name, subject, body_html, created_at, updated_at FROM engagement_templates WHERE workspace_id = $1 AND id = $2',
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('template');
  return rows[0] as Record<string, unknown>;
}

function createTemplateRoute(app: TypedApp, pool: Pool): void {
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
      return reply.code(201).send(await loadTemplate(pool, workspaceId, id));
    },
  );
}

function listTemplatesRoute(app: TypedApp, deps: ApiDeps): void {
  app.get(
    '/v1/engagement/templates',
    {
      schema: {
        tags,
        summary:
          'Templates with messages sent, open rate, reply rate (human traffic, ClickHouse), lead rate (leads for the recipient within the window) and the recommended flag',
        querystring: listQuery,
        response: { 200: listResponse },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { rows } = await deps.pool.query<{ id: string; name: string }>(
        'SELECT id::text, name, subject, body_html, created_at, updated_at FROM engagement_templates WHERE workspace_id = $1 ORDER BY id LIMIT 1000',
        [workspaceId],
      );
      const ids = rows.map((r) => r.id);
      const { templateMinSends: minSends, templateLeadWindowDays: windowDays } = deps.config;
      const ranked = rankTemplates(
        await templateStats(deps.clickhouse, workspaceId, ids),
        ids,
        minSends,
        await templateLeadCounts(deps.pool, workspaceId, ids, windowDays),
      );
      const items: Listed[] = rows.map((row) => ({ ...row, ...(ranked.get(row.id) as object) }) as Listed);
      const { sort = 'recommended', order = 'desc' } = req.query;
      items.sort(compare(sort));
      if (order === 'desc') items.reverse();
      return { items, min_sends: minSends, lead_window_days: windowDays };
    },
  );
}

function getTemplateRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/engagement/templates/:id',
    { schema: { tags, summary: 'A template', params: idParams, response: { 200: template } } },
    async (req) => loadTemplate(pool, workspaceOf(req), req.params.id),
  );
}

function editTemplateRoute(app: TypedApp, pool: Pool): void {
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
      const current = await loadTemplate(pool, workspaceId, req.params.id);
      const next = { ...current, ...req.body } as { name: string; subject: string; body_html: string };
      checkContent(next.subject, next.body_html);
      await pool.query(
        'UPDATE engagement_templates SET name = $3, subject = $4, body_html = $5, updated_at = now() WHERE workspace_id = $1 AND id = $2',
        [workspaceId, req.params.id, next.name, next.subject, next.body_html],
      );
      return loadTemplate(pool, workspaceId, req.params.id);
    },
  );
}

function deleteTemplateRoute(app: TypedApp, pool: Pool): void {
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
}

/** POST /v1/engagement/attachments: the file is the body (any content type), up to CAIRN_API_ATTACHMENT_MAX_BYTES. */
function attachmentUpload(scope: FastifyInstance, deps: ApiDeps): void {
  // Scoped to this plugin: only this route takes arbitrary bodies as a buffer.
  scope.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: deps.config.attachmentMaxBytes },
    (_req, body, done) => done(null, body),
  );
  scope.withTypeProvider<JsonSchemaToTsProvider>().post(
    '/v1/engagement/attachments',
    {
      bodyLimit: deps.config.attachmentMaxBytes,
      schema: {
        tags,
        summary: 'Upload a file for one-to-one messages (the body is the file; ?filename=)',
        querystring: attachmentQuery,
        response: { 201: attachmentCreated },
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
