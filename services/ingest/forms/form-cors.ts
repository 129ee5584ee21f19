import type { FastifyReply } from 'fastify';

/**
 * Cross-origin answers of the form routes (docs/pages-and-forms.md#cors): a browser on ingest's own origin or on
 * one of the workspace's form_origins may read them; any other origin gets no CORS header and so reads nothing.
 */

/** The request's Origin when it is ingest's public origin or one of the workspace's form_origins, else null. */
export function allowedOrigin(
  origin: string | undefined,
  publicOrigin: string,
  formOrigins: readonly string[],
): string | null {
  if (origin === undefined) return null;
  return origin === publicOrigin || formOrigins.includes(origin) ? origin : null;
}

/**
 * Lets the page on `origin` read this answer. NOTE: `origin` is always one of the allowed strings compared above
 * (canonical origins: no space, CR or LF can reach the header); no credentials are allowed, so no cookie travels.
 */
export function allowOrigin(reply: FastifyReply, origin: string | null): FastifyReply {
  reply.header('vary', 'Origin');
  return origin === null ? reply : reply.header('access-control-allow-origin', origin);
}

/** The answer to a preflight from an allowed origin: a POST with the headers the embed script sends. */
export function preflightAllowed(reply: FastifyReply, origin: string): FastifyReply {
  return allowOrigin(reply, origin)
    .code(204)
    .headers({
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'accept, content-type',
      'access-control-max-age': '600',
      'cache-control': 'no-store',
    })
    .send();
}
