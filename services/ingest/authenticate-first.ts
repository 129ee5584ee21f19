import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Authenticates a POST in its onRequest hook, before fastify reads the body: an unauthenticated client gets its
 * 401/403 without ingest reading (up to CAIRN_INGEST_BODY_LIMIT of) what it sent.
 * `authenticate` returns the principal, or the reply it already sent.
 */
export function authenticateFirst<P extends object>(authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<P | FastifyReply>) {
  const principals = new WeakMap<FastifyRequest, P>();
  return {
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const principal = await authenticate(request, reply);
      if (principal === reply) return reply;
      principals.set(request, principal as P);
      return undefined;
    },
    /** The principal onRequest found for this request. */
    principal(request: FastifyRequest): P {
      const principal = principals.get(request);
      if (!principal) throw new Error('route used without its authenticateFirst hook');
      return principal;
    },
  };
}

/** A refusal that also closes the connection, so the unread body is not drained into a keep-alive socket. */
export function refuse(reply: FastifyReply, status: 401 | 403, error: string): FastifyReply {
  return reply.code(status).header('connection', 'close').send({ error });
}
