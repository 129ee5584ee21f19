import type { FastifyReply, FastifyRequest } from 'fastify';
import { WindowCounter } from './bounded-cache';
import { tooManyRequests } from './token-guard';

/**
 * Wrong credentials (API keys on /v1/events, webhook secrets on /v1/webhooks/*) a client address may present per
 * window before it gets 429, per authenticated route family. The API's policy (docs/security.md), counted in the
 * process as ingest counts bad tracking tokens: each ingest process allows this many.
 */
export const AUTH_FAILURE_POLICY = { limit: 20, windowMs: 10 * 60_000 };

/** Only requests that present a credential count: a client that sends none is guessing nothing. */
const presentsCredential = (request: FastifyRequest): boolean =>
  request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;

/**
 * Authenticates a POST in its onRequest hook, before fastify reads the body: an unauthenticated client gets its
 * 401/403 without ingest reading (up to CAIRN_INGEST_BODY_LIMIT of) what it sent.
 * `authenticate` returns the principal, or the reply it already sent. NOTE: an address whose credentials were
 * refused (401) `policy.limit` times in a window gets 429 with Retry-After before its next credential is looked
 * at, so a right guess is not revealed either; accepted requests are not counted.
 */
export function authenticateFirst<P extends object>(
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<P | FastifyReply>,
  policy = AUTH_FAILURE_POLICY,
) {
  const principals = new WeakMap<FastifyRequest, P>();
  const failures = new WindowCounter(policy.limit, policy.windowMs);
  return {
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const counted = presentsCredential(request);
      if (counted && failures.exhausted(request.ip)) {
        return tooManyRequests(reply, failures.retryAfterSeconds(request.ip))
          .header('connection', 'close')
          .send({ error: 'too many refused credentials from this address' });
      }
      const principal = await authenticate(request, reply);
      // A refusal is known by the reply being sent, not by identity: awaiting a promise of the reply adopts it as a
      // thenable (fastify's reply.then settles once the answer is written), so `principal` is then undefined.
      if (reply.sent) {
        if (counted && reply.statusCode === 401) failures.take(request.ip);
        return reply;
      }
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
