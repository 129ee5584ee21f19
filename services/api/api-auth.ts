import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { sameSecret } from '../../lib/platform/crypto/constant-time';
import { keyFromHeaders, verifyApiKey, type ApiKeyPrincipal, type ApiKeyScope } from '../../lib/domain/auth/api-keys';
import { ApiProblem } from './api-problem';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: ApiKeyPrincipal;
  }
  interface FastifyContextConfig {
    /** the scope a route needs; defaults to read for GET and write otherwise */
    scope?: ApiKeyScope;
    /** routes authenticated by the operator token instead of an API key */
    admin?: boolean;
    public?: boolean;
  }
}

/** The workspace of the calling key; every query is scoped by it, never by anything in the request. */
export function workspaceOf(request: FastifyRequest): string {
  if (!request.principal) throw new ApiProblem(401, 'API key missing or invalid');
  return request.principal.workspaceId;
}

/** An admin key may do everything; every other key only what its scopes name. */
export const hasScope = (principal: ApiKeyPrincipal | undefined, scope: ApiKeyScope): boolean =>
  principal !== undefined && (principal.scopes.includes(scope) || principal.scopes.includes('admin'));

/**
 * A scope that depends on what the body does (a write key may edit a journey, not aim its webhook somewhere new):
 * 403 naming the scope and the field.
 */
export function requireScope(request: FastifyRequest, scope: ApiKeyScope, field: string, what: string): void {
  if (!hasScope(request.principal, scope))
    throw new ApiProblem(403, `${what} needs the "${scope}" scope`, [{ field, message: `needs the "${scope}" scope` }]);
}

/** onRequest: key → principal, then scope; admin routes take the operator token (CAIRN_ADMIN_TOKEN). */
export function installAuth(app: FastifyInstance, pool: Pool, adminToken: string): void {
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Only /v1 is authenticated: /docs, /docs/json and /healthz are public.
    if (config.public || !request.routeOptions.url?.startsWith('/v1/')) return;
    const presented = keyFromHeaders(request.headers);
    if (config.admin) {
      if (!sameSecret(presented, adminToken)) throw new ApiProblem(401, 'operator token missing or invalid');
      return;
    }
    const principal = await verifyApiKey(pool, presented);
    if (!principal) throw new ApiProblem(401, 'API key missing or invalid; send Authorization: Bearer cairn_...');
    const needed = config.scope ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
    if (!hasScope(principal, needed)) throw new ApiProblem(403, `this operation needs the "${needed}" scope`);
    request.principal = principal;
  });
}
