import type { Pool } from 'pg';
import { BoundedCache } from './bounded-cache';

export interface EmailLink {
  url: string;
  kind: string;
  /** safeDestination(url), checked once when the row is loaded */
  destination: string | null;
}

/**
 * Only absolute http(s) URLs without credentials or control characters leave through the redirect, even
 * when a stored destination says otherwise: `javascript:`, `//evil`, CRLF header injection all give null.
 */
export function safeDestination(stored: string): string | null {
  if (stored.length > 4096 || /[\u0000-\u0020\u007f]/.test(stored) || !/^https?:\/\/[^/\\]/i.test(stored)) return null;
  try {
    const url = new URL(stored);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) return null;
    return url.href;
  } catch {
    return null;
  }
}

/** email_links is the only source of destinations; versions are immutable, so caching them is safe. */
export class LinkResolver {
  private readonly cache: BoundedCache<EmailLink | null>;

  constructor(
    private readonly pool: Pool,
    options: { maxEntries: number; ttlMs: number },
  ) {
    this.cache = new BoundedCache(options.maxEntries, options.ttlMs);
  }

  /** The cached entry (null = known missing), or undefined when PostgreSQL must be asked. Synchronous on purpose. */
  cached(emailId: string, version: number, linkId: string): EmailLink | null | undefined {
    return this.cache.get(`${emailId}\u0000${version}\u0000${linkId}`);
  }

  async resolve(emailId: string, version: number, linkId: string): Promise<EmailLink | null> {
    const key = `${emailId}\u0000${version}\u0000${linkId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const { rows } = await this.pool.query<{ url: string; kind: string }>(
      'SELECT url, kind FROM email_links WHERE email_id = $1 AND version = $2 AND link_id = $3',
      [emailId, version, linkId],
    );
    const row = rows[0];
    const link = row ? { ...row, destination: safeDestination(row.url) } : null;
    this.cache.set(key, link);
    return link;
  }
}
