import type { Pool } from 'pg';
import type { Logger } from '../../lib/logger';
import type { TrackingToken } from '../../lib/tracking/tracking-token';

/**
 * Who may not be followed, held in process and reloaded from PostgreSQL every `refreshMs` (seed 001):
 * - contacts whose following is Do Not Allow (`contacts.allow_follow_email = false`, "Set following to Do Not
 *   Allow"): none of their opens, clicks or attachment views is recorded, whatever the message;
 * - workspaces that switched email engagement off (`engagement_settings.following_enabled = false`): "recipient
 *   interaction data will no longer be collected on sent emails that were marked with the Follow setting", i.e.
 *   their one-to-one messages (a token without a journey: the sender's direct messages and their forwarded
 *   copies); journey emails keep their marketing insights.
 *
 * The sender already gives later messages no beacon and plain links; this covers messages tracked before. Their
 * pixel and redirects are served, nothing is recorded. Both sets are small and read through partial indexes
 * (PostgreSQL 0120), so a reload costs what it holds and a hit costs two set lookups; a change takes effect within
 * one reload.
 */
export class FollowingPolicy {
  private contacts: ReadonlySet<string> = new Set();
  private workspaces: ReadonlySet<string> = new Set();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  /** Whether the hit of this token may be recorded. */
  follows(token: Pick<TrackingToken, 'contactId' | 'workspaceId' | 'journeyId'>): boolean {
    if (this.contacts.has(token.contactId)) return false;
    return Boolean(token.journeyId) || !this.workspaces.has(token.workspaceId);
  }

  /** contacts and workspaces not to follow, as last loaded */
  get sizes(): { contacts: number; workspaces: number } {
    return { contacts: this.contacts.size, workspaces: this.workspaces.size };
  }

  /** Replaces both sets with PostgreSQL's; one reload at a time. */
  reload(): Promise<void> {
    this.loading ??= this.pool
      .query<{ id: string; scope: 'contact' | 'workspace' }>(
        `SELECT id::text AS id, 'contact' AS scope FROM contacts WHERE NOT allow_follow_email
         UNION ALL SELECT workspace_id::text, 'workspace' FROM engagement_settings WHERE NOT following_enabled`,
      )
      .then(({ rows }) => {
        this.contacts = new Set(rows.filter((row) => row.scope === 'contact').map((row) => row.id));
        this.workspaces = new Set(rows.filter((row) => row.scope === 'workspace').map((row) => row.id));
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * Loads the sets before ingest takes hits, then reloads them on a timer. A failed load does not keep ingest from
   * starting: it is logged and retried at the next reload.
   */
  async start(): Promise<void> {
    const reload = () => this.reload().catch((error: Error) => this.log.warn({ err: error.message }, 'following_policy_reload_failed'));
    await reload();
    this.timer = setInterval(reload, this.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.loading?.catch(() => undefined);
  }
}
