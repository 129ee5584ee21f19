import type { Pool } from 'pg';
import { BoundedCache } from '../bounded-cache';

/** A registered website as ingest needs it (sql/postgres/0430). */
export interface Website {
  id: string;
  workspaceId: string;
  origin: string;
  visitorIdMode: 'none' | 'first_party';
  honorDnt: boolean;
}

const TTL_MS = 30_000;

/**
 * The registered websites, read from PostgreSQL and held for TTL_MS: by id for the collect route (an unknown id is
 * held too, so made-up ids cost no query each), and each workspace's origins for the click redirect, which then
 * answers in the same tick for a workspace it saw within TTL_MS. A change made through the API (a new website, a
 * changed setting, a deletion) takes effect within TTL_MS on every ingest instance.
 */
export class WebsiteDirectory {
  private readonly byId = new BoundedCache<Website | null>(50_000, TTL_MS);
  private readonly originsByWorkspace = new BoundedCache<readonly string[]>(50_000, TTL_MS);
  /** one read per workspace at a time: the clicks that miss the cache together wait on the same query */
  private readonly reading = new Map<string, Promise<readonly string[]>>();

  constructor(private readonly pool: Pool) {}

  async website(id: string): Promise<Website | null> {
    const cached = this.byId.get(id);
    if (cached !== undefined) return cached;
    const { rows } = await this.pool.query<{
      id: string;
      workspace_id: string;
      origin: string;
      visitor_id_mode: string;
      honor_dnt: boolean;
    }>('SELECT id, workspace_id, origin, visitor_id_mode, honor_dnt FROM websites WHERE id = $1', [id]);
    const row = rows[0];
    const site: Website | null = row
      ? {
          id: row.id,
          workspaceId: row.workspace_id,
          origin: row.origin,
          visitorIdMode: row.visitor_id_mode === 'first_party' ? 'first_party' : 'none',
          honorDnt: row.honor_dnt,
        }
      : null;
    this.byId.set(id, site);
    return site;
  }

  /** The workspace's website origins when held, else undefined (then `origins` reads them). */
  originsCached(workspaceId: string): readonly string[] | undefined {
    return this.originsByWorkspace.get(workspaceId);
  }

  origins(workspaceId: string): Promise<readonly string[]> {
    const cached = this.originsByWorkspace.get(workspaceId);
    if (cached !== undefined) return Promise.resolve(cached);
    let read = this.reading.get(workspaceId);
    if (!read) {
      read = this.pool
        .query<{ origin: string }>('SELECT origin FROM websites WHERE workspace_id = $1', [workspaceId])
        .then(({ rows }) => {
          const origins = rows.map((row) => row.origin);
          this.originsByWorkspace.set(workspaceId, origins);
          return origins;
        })
        .finally(() => this.reading.delete(workspaceId));
      this.reading.set(workspaceId, read);
    }
    return read;
  }
}
