import type { Pool } from 'pg';
import type { TrackingToken } from '../../lib/contracts/tracking/tracking-token';
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
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password)
      return null;
    return url.href;
  } catch {
    return null;
  }
}

/** What names a link: the token's workspace, email, version and link id. */
export type LinkRef = Pick<TrackingToken, 'workspaceId' | 'emailId' | 'emailVersion' | 'linkId'>;
export type VersionRef = Pick<TrackingToken, 'workspaceId' | 'emailId' | 'emailVersion'>;

const cacheKey = (ref: LinkRef): string =>
  `${ref.workspaceId}\u0000${ref.emailId}\u0000${ref.emailVersion}\u0000${ref.linkId ?? ''}`;

/** email_links is the only source of destinations; versions are immutable, so caching them is safe. */
export class LinkResolver {
  private readonly cache: BoundedCache<EmailLink | null>;
  private readonly owners: BoundedCache<boolean>;

  constructor(
    private readonly pool: Pool,
    options: { maxEntries: number; ttlMs: number },
  ) {
    this.cache = new BoundedCache(options.maxEntries, options.ttlMs);
    this.owners = new BoundedCache(options.maxEntries, options.ttlMs);
  }

  /** Whether the token's workspace owns its email version, if known in process; undefined: ask owns(). */
  ownsCached(ref: VersionRef): boolean | undefined {
    return this.owners.get(cacheKey({ ...ref, linkId: null }));
  }

  /**
   * NOTE: a token counts only for an email version of its own workspace: opens, unsubscribes, subscription
   * choices and forwards of a token naming workspace A and an email of workspace B are 404s that record nothing.
   */
  async owns(ref: VersionRef): Promise<boolean> {
    const key = cacheKey({ ...ref, linkId: null });
    const cached = this.owners.get(key);
    if (cached !== undefined) return cached;
    const { rowCount } = await this.pool.query(
      'SELECT 1 FROM email_versions WHERE email_id = $1 AND version = $2 AND workspace_id::text = $3',
      [ref.emailId, ref.emailVersion, ref.workspaceId],
    );
    const owned = (rowCount ?? 0) > 0;
    this.owners.set(key, owned);
    return owned;
  }

  /** The cached entry (null = known missing), or undefined when PostgreSQL must be asked. Synchronous on purpose. */
  cached(ref: LinkRef): EmailLink | null | undefined {
    return this.cache.get(cacheKey(ref));
  }

  /**
   * NOTE: a link exists only within the workspace of the token that names it: a token naming workspace A and
   * an email of workspace B finds nothing (404, no event), so no click is recorded under the wrong workspace.
   */
  async resolve(ref: LinkRef): Promise<EmailLink | null> {
    const key = cacheKey(ref);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const { rows } = await this.pool.query<{ url: string; kind: string }>(
      `SELECT l.url, l.kind FROM email_links l
         JOIN email_versions v ON v.email_id = l.email_id AND v.version = l.version
        WHERE l.email_id = $1 AND l.version = $2 AND l.link_id = $3 AND v.workspace_id::text = $4`,
      [ref.emailId, ref.emailVersion, ref.linkId, ref.workspaceId],
    );
    const row = rows[0];
    const link = row ? { ...row, destination: safeDestination(row.url) } : null;
    this.cache.set(key, link);
    return link;
  }
}
