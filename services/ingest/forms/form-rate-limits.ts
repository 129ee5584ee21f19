import type { Redis } from 'ioredis';
import { sha256 } from '../../../lib/platform/crypto/constant-time';
import type { Logger } from '../../../lib/platform/logger';

const WINDOW_SECONDS = 3_600;
const LOST = new Set(['reconnecting', 'close', 'end']);

/**
 * Submissions per form and client address, and per form and email address, in fixed one-hour windows counted in
 * Redis under the deployment's key prefix, so every ingest instance counts together (docs/pages-and-forms.md#spam-defences).
 * Keys hold a SHA-256 of the address, never the address. NOTE: fails open: while Redis is unavailable nothing is
 * counted or refused (the API's rate limits' choice too), so a Redis outage does not stop every form.
 */
export class FormRateLimits {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: { perIp: number; perEmail: number },
    private readonly log: Logger,
  ) {}

  /** Counts one attempt; whole seconds to wait when it is over the limit, 0 when it may go on. */
  async take(kind: 'ip' | 'email', formId: string, who: string): Promise<number> {
    if (LOST.has(this.redis.status)) return 0;
    const key = `${this.prefix}:ingest-form-rate:${kind}:${formId}:${sha256(who).toString('hex')}`;
    try {
      const replies = await this.redis.multi().set(key, 0, 'EX', WINDOW_SECONDS, 'NX').incr(key).pttl(key).exec();
      const [, count, ttl] = (replies ?? []).map(([error, value]) => (error ? null : Number(value)));
      const limit = kind === 'ip' ? this.limits.perIp : this.limits.perEmail;
      if (count === null || count === undefined || count <= limit) return 0;
      return Math.max(1, Math.ceil((ttl ?? 1000) / 1000));
    } catch (error) {
      this.log.warn({ err: error }, 'form_rate_limits_unavailable');
      return 0;
    }
  }
}
