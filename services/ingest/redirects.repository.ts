import type { Pool } from 'pg';
import { checkDestination } from '../../lib/domain/redirects/redirect-url';
import { BoundedCache } from './bounded-cache';

/** What a code leads to: its redirect URL, workspace and the destination fixed at creation. */
export interface RedirectTarget {
  id: string;
  workspaceId: string;
  destination: string;
}

/**
 * redirect_urls (sql/postgres/0440) is the only source of destinations. A code's destination never changes, but a
 * redirect URL can be disabled: entries live ttlMs (CAIRN_INGEST_REDIRECT_CACHE_TTL_MS), so a disable reaches every
 * ingest instance within that time (docs/redirect-urls.md#the-redirect).
 */
export class RedirectResolver {
  private readonly cache: BoundedCache<RedirectTarget | null>;

  constructor(
    private readonly pool: Pool,
    options: { maxEntries: number; ttlMs: number },
  ) {
    this.cache = new BoundedCache(options.maxEntries, options.ttlMs);
  }

  /** The cached entry (null = known missing or disabled), or undefined when PostgreSQL must be asked. */
  cached(code: string): RedirectTarget | null | undefined {
    return this.cache.get(code);
  }

  /**
   * NOTE: the destination is the stored one, checked again as it is read (checkDestination: http(s), no credentials,
   * no private literal), so even a row written past the API cannot make the redirect go to `javascript:` or inject
   * a header; a row that fails is treated as unknown (404, no event).
   */
  async resolve(code: string): Promise<RedirectTarget | null> {
    const cached = this.cache.get(code);
    if (cached !== undefined) return cached;
    const { rows } = await this.pool.query<{ id: string; workspace_id: string; destination: string }>(
      `SELECT id::text, workspace_id::text, destination FROM redirect_urls WHERE code = $1 AND disabled_at IS NULL`,
      [code],
    );
    const row = rows[0];
    const check = row ? checkDestination(row.destination) : null;
    const target = row && check?.ok ? { id: row.id, workspaceId: row.workspace_id, destination: check.url } : null;
    this.cache.set(code, target);
    return target;
  }
}
