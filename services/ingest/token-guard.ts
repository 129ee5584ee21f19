import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPurpose, TrackingToken, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { WindowCounter } from './bounded-cache';

const BAD_TOKEN_WINDOW_MS = 10 * 60_000;

export function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header('cache-control', 'no-store').type('text/plain').send('not found');
}

/** A 429 that says when to come back: every 429 ingest answers goes through here. */
export function tooManyRequests(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  return reply.code(429).header('cache-control', 'no-store').header('retry-after', String(retryAfterSeconds));
}

/**
 * Verifies the token of every route that takes one (/o, /c, /a, /u, /s, /f), for that route's purpose.
 * NOTE: one bad-token budget per client address across all of those routes: an address that keeps presenting
 * bad tokens (pixel enumeration, token guessing) is refused with 429 on each of them until its window ends.
 * A good token of another purpose (the pixel token at /u, say) is a bad token here: the same 404, counted.
 */
export class TokenGuard {
  private readonly badTokens: WindowCounter;

  constructor(
    private readonly tokens: TrackingTokenCodec,
    badTokensPerIp: number,
  ) {
    this.badTokens = new WindowCounter(badTokensPerIp, BAD_TOKEN_WINDOW_MS);
  }

  /** The token, or the reply already sent (429 for a refused address, 404 for a bad token or another purpose's). */
  verify(
    request: FastifyRequest,
    reply: FastifyReply,
    raw: string,
    purpose: TokenPurpose,
  ): TrackingToken | FastifyReply {
    if (this.badTokens.exhausted(request.ip)) {
      return tooManyRequests(reply, this.badTokens.retryAfterSeconds(request.ip))
        .type('text/plain')
        .send('too many bad tokens');
    }
    const token = this.tokens.verify(raw, purpose);
    if (token) return token;
    this.badTokens.take(request.ip);
    return notFound(reply);
  }
}

export const isToken = (verified: TrackingToken | FastifyReply): verified is TrackingToken => 'messageId' in verified;
