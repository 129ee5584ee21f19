import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { ApiDeps, TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { childListRoute } from '../child-list';
import { loadEmail } from '../email-service';
import { noContent } from '../pagination';
import { idParams } from '../resource-routes';
import { tags, versionParams, versionResponse, versionSummary } from './emails.schemas';

/** Frozen versions (immutable once live) and deletion of emails that never went live. */
export function emailVersionRoutes(untyped: FastifyInstance, deps: ApiDeps): void {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  childListRoute(untyped, pool, {
    url: '/v1/emails/:id/versions',
    tags,
    summary: 'Frozen versions of an email, oldest first',
    parent: { table: 'emails', noun: 'email' },
    item: versionSummary,
    select:
      'SELECT version::text AS id, version, subject, created_at FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version > $3::int ORDER BY version LIMIT $4',
    firstCursor: '0',
  });
  deleteEmailRoute(app, pool);
  getVersionRoute(app, pool);
}

function deleteEmailRoute(app: TypedApp, pool: Pool): void {
  app.delete(
    '/v1/emails/:id',
    {
      schema: {
        tags,
        summary: 'Delete an email that never went live (live versions stay for the click redirect)',
        params: idParams,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      const email = await loadEmail(pool, workspaceId, id);
      if (email.live_version !== null)
        throw new ApiProblem(409, 'an email that went live cannot be deleted: its versions serve sent messages', [
          { field: 'status', message: email.status },
        ]);
      await pool.query('DELETE FROM emails WHERE workspace_id = $1 AND id = $2 AND live_version IS NULL', [
        workspaceId,
        id,
      ]);
      return reply.code(204).send(null);
    },
  );
}

function getVersionRoute(app: TypedApp, pool: Pool): void {
  app.get(
    '/v1/emails/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'A frozen version with its compiled HTML and links',
        params: versionParams,
        response: { 200: versionResponse },
      },
    },
    async (req) => {
      const { id, version } = req.params;
      const { rows } = await pool.query(
        'SELECT * FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version = $3',
        [workspaceOf(req), id, version],
      );
      if (!rows[0]) throw notFound('email version');
      const links = await pool.query(
        'SELECT link_id, url, kind, label FROM email_links WHERE email_id = $1 AND version = $2 ORDER BY link_id',
        [id, version],
      );
      return { ...rows[0], links: links.rows };
    },
  );
}
