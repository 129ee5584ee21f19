import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { keyFromHeaders } from '../../lib/domain/auth/api-keys';
import type { Logger } from '../../lib/platform/logger';
import { problemBody } from './api-problem';

const LOST = new Set(['reconnecting', 'close', 'end']);

export interface AuthFailurePolicy {
  /** failed credentials an address may present per window */
  limit: number;
  windowSeconds: number;
}

/**
 * Wrong API keys and operator tokens per client address, counted in Redis under the deployment's key prefix, so
 * every API process of a deployment counts together (as the rate limiter does). A fixed window starts at an
 * address's first failure; successful requests are not counted. NOTE: fails open: while Redis is unavailable
 * nothing is counted or refused (the rate limiter's choice too), so a Redis outage cannot lock out every client.
 */
export class AuthFailures {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly policy: AuthFailurePolicy,
    private readonly log: Logger,
  ) {}

  private key(address: string): string {
    return `${this.prefix}:api-auth-failures:${address}`;
  }

  /** Whole seconds until the address may present credentials again; 0 when it may now (or Redis is down). */
  async retryAfter(address: string): Promise<number> {
    const key = this.key(address);
    const replies = await this.attempt(() => this.redis.multi().get(key).pttl(key).exec());
    const [count, ttl] = (replies ?? []).map(([error, value]) => (error ? null : Number(value)));
    if (count === null || count === undefined || count < this.policy.limit) return 0;
    return Math.max(1, Math.ceil((ttl ?? 1000) / 1000));
  }

  async record(address: string): Promise<void> {
    const key = this.key(address);
    await this.attempt(() => this.redis.multi().set(key, 0, 'EX', this.policy.windowSeconds, 'NX').incr(key).exec());
  }

  private async attempt<T>(command: () => Promise<T>): Promise<T | null> {
    // while ioredis is reconnecting, a command would wait for its retries: skip it rather than slow every request
    if (LOST.has(this.redis.status)) return null;
    try {
      return await command();
    } catch (error) {
      this.log.warn({ err: error }, 'auth_failures_unavailable');
      return null;
    }
  }
}

/** Only requests that present a key or token are counted: a client that sends none is guessing nothing. */
const presentsCredential = (request: FastifyRequest): boolean => keyFromHeaders(request.headers) !== undefined;

/**
 * Registered before the authentication hook: an address over its limit gets 429 with Retry-After before its
 * credential is even looked at (so a right guess is not revealed either); a 401 to a presented credential counts.
 */
export function installAuthFailureLimit(app: FastifyInstance, failures: AuthFailures): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!presentsCredential(request)) return;
    const wait = await failures.retryAfter(request.ip);
    if (wait === 0) return;
    const detail = `too many failed API keys or tokens from this address; retry in ${wait} s`;
    return reply
      .code(429)
      .header('retry-after', String(wait))
      .type('application/problem+json')
      .send(problemBody(429, detail));
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 && presentsCredential(request)) await failures.record(request.ip);
  });
}
