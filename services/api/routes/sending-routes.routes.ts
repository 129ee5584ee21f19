import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { ApiConfig } from '../api.config';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { idParams } from '../resource-routes';

/** Route names as the sender's settings hold them (services/sender/routes.config.ts). */
const ROUTE_NAME = /^[a-z0-9-]{1,40}$/;

const tags = ['routes'];
const routeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['route'],
  properties: {
    route: {
      type: ['string', 'null'],
      maxLength: 40,
      description:
        'workspace (operator): a route name of CAIRN_API_ROUTE_NAMES; sending domain: the route the operator gave its workspace; or "default", or null (no choice of its own)',
    },
  },
} as const;
const assigned = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, route: { type: ['string', 'null'] } },
} as const;

const routeSchema = (summary: string) =>
  ({ tags, summary, params: idParams, body: routeBody, response: { 200: assigned } }) as const;

export const workspaceRouteSchema = routeSchema(
  "Operator: the route (named relay) of a workspace's mail (Authorization: Bearer $CAIRN_ADMIN_TOKEN)",
);
export const domainRouteSchema = routeSchema(
  'The route of mail From this sending domain, before its workspace\'s (admin scope): "default" or the workspace\'s own route',
);

/**
 * A name the operator allowed, or null. NOTE: the API holds route names only, never a relay's URL or credentials;
 * a name it stores is one of CAIRN_API_ROUTE_NAMES, so a tenant can never aim mail at a host of its choosing.
 */
function routeOrProblem(allowed: readonly string[], route: string | null): string | null {
  if (route === null) return null;
  if (!ROUTE_NAME.test(route) || (route !== 'default' && !allowed.includes(route)))
    throw new ApiProblem(422, 'unknown route', [
      { field: 'body.route', message: `one of: ${['default', ...allowed].join(', ')}; or null` },
    ]);
  return route;
}

/**
 * The routes a workspace may give its own sending domains: "default" and the one the operator gave the workspace.
 * NOTE: a route may carry one tenant's relay credentials (its own ESP account), so a tenant never picks another
 * route name by itself: only the operator assigns routes (docs/api.md#routes).
 */
async function routesOfWorkspace(pool: Pool, workspaceId: string): Promise<string[]> {
  const { rows } = await pool.query<{ route: string | null }>(
    'SELECT route_name AS route FROM workspaces WHERE id = $1',
    [workspaceId],
  );
  const own = rows[0]?.route;
  return own && own !== 'default' ? [own] : [];
}

/** Routes (docs/api.md#routes): which named relay a workspace's or a sending domain's mail takes. */
export async function sendingRouteRoutes(
  untyped: FastifyInstance,
  { pool, config }: { pool: Pool; config: ApiConfig },
): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  app.put('/v1/admin/workspaces/:id/route', { config: { admin: true }, schema: workspaceRouteSchema }, async (req) => {
    const route = routeOrProblem(config.routeNames, req.body.route);
    const { rows } = await pool.query<{ id: string; route: string | null }>(
      'UPDATE workspaces SET route_name = $2 WHERE id = $1 RETURNING id, route_name AS route',
      [req.params.id, route],
    );
    if (!rows[0]) throw notFound('workspace');
    return rows[0];
  });
  app.put('/v1/sending-domains/:id/route', { config: { scope: 'admin' }, schema: domainRouteSchema }, async (req) => {
    const route = routeOrProblem(await routesOfWorkspace(pool, workspaceOf(req)), req.body.route);
    const { rows } = await pool.query<{ id: string; route: string | null }>(
      'UPDATE sending_domains SET route_name = $3 WHERE workspace_id = $1 AND id = $2 RETURNING id, route_name AS route',
      [workspaceOf(req), req.params.id, route],
    );
    if (!rows[0]) throw notFound('sending domain');
    return rows[0];
  });
}
