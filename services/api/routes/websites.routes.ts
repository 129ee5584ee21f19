import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { originProblem } from '../../../lib/domain/forms/form-origins';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { getRow, listRows } from '../resource-routes';
import {
  createWebsiteSchema,
  deleteWebsiteSchema,
  getWebsiteSchema,
  listWebsitesSchema,
  updateWebsiteSchema,
} from './websites.schemas';

/** A websites row (sql/postgres/0430). */
interface WebsiteRow {
  id: string;
  workspace_id: string;
  name: string;
  origin: string;
  visitor_id_mode: 'none' | 'first_party';
  honor_dnt: boolean;
  created_at: Date;
  updated_at: Date;
}

interface WebsiteBody {
  name?: string;
  origin?: string;
  visitor_id_mode?: 'none' | 'first_party';
  honor_dnt?: boolean;
}

/**
 * The tag to paste into the site's pages: ingest's script with the website id (docs/web-tracking.md#the-script); a
 * website that does not honour Do Not Track says so, so the script sends those browsers' hits too. The id is a UUID
 * and the URL is the operator's setting: nothing here needs escaping.
 */
export const scriptTag = (ingestPublicUrl: string, websiteId: string, honorDnt: boolean): string =>
  `<script src="${ingestPublicUrl.replace(/\/$/, '')}/w.js" data-website="${websiteId}"${honorDnt ? '' : ' data-honor-dnt="false"'} async></script>`;

const viewOf = (ingestPublicUrl: string) => (row: WebsiteRow) => {
  const { workspace_id: _workspace, created_at, updated_at, ...rest } = row;
  const times = { created_at: created_at.toISOString(), updated_at: updated_at.toISOString() };
  return { ...rest, ...times, script: scriptTag(ingestPublicUrl, row.id, row.honor_dnt) };
};

/** 422 naming `origin` unless it is a canonical http(s) origin (lib/domain/forms/form-origins.ts). */
function checkedOrigin(origin: string | undefined): void {
  if (origin === undefined) return;
  const problem = originProblem(origin);
  if (problem) throw new ApiProblem(422, 'a website is one canonical origin', [{ field: 'origin', message: problem }]);
}

/** Websites (docs/api.md#websites): every statement scoped by the calling key's workspace. */
export async function websiteRoutes(untyped: FastifyInstance, { pool, config }: ApiDeps): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  const view = viewOf(config.ingestPublicUrl);
  app.post('/v1/websites', { schema: createWebsiteSchema }, async (req, reply) => {
    checkedOrigin(req.body.origin);
    const { rows } = await pool.query<WebsiteRow>(
      `INSERT INTO websites (workspace_id, name, origin, visitor_id_mode, honor_dnt)
       VALUES ($1, $2, $3, coalesce($4, 'none'), coalesce($5, true)) RETURNING *`,
      [workspaceOf(req), req.body.name, req.body.origin, req.body.visitor_id_mode ?? null, req.body.honor_dnt ?? null],
    );
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return reply.code(201).send(view(row));
  });
  app.get('/v1/websites', { schema: listWebsitesSchema }, async (req) => {
    const page = await listRows<WebsiteRow>(pool, 'websites', workspaceOf(req), req.query);
    return { ...page, items: page.items.map(view) };
  });
  app.get('/v1/websites/:id', { schema: getWebsiteSchema }, async (req) =>
    view(await getRow<WebsiteRow>(pool, 'websites', 'website', workspaceOf(req), req.params.id)),
  );
  app.patch('/v1/websites/:id', { schema: updateWebsiteSchema }, async (req) => {
    checkedOrigin(req.body.origin);
    return view(await updateWebsite(pool, workspaceOf(req), req.params.id, req.body));
  });
  app.delete('/v1/websites/:id', { schema: deleteWebsiteSchema }, async (req, reply) => {
    const { rowCount } = await pool.query('DELETE FROM websites WHERE workspace_id = $1 AND id = $2', [
      workspaceOf(req),
      req.params.id,
    ]);
    if (!rowCount) throw notFound('website');
    return reply.code(204).send(null);
  });
}

async function updateWebsite(pool: Pool, workspaceId: string, id: string, body: WebsiteBody): Promise<WebsiteRow> {
  const { rows } = await pool.query<WebsiteRow>(
    `UPDATE websites SET name = coalesce($3, name), origin = coalesce($4, origin),
            visitor_id_mode = coalesce($5, visitor_id_mode), honor_dnt = coalesce($6, honor_dnt), updated_at = now()
      WHERE workspace_id = $1 AND id = $2 RETURNING *`,
    [workspaceId, id, body.name ?? null, body.origin ?? null, body.visitor_id_mode ?? null, body.honor_dnt ?? null],
  );
  if (!rows[0]) throw notFound('website');
  return rows[0];
}
