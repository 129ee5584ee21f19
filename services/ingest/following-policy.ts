import type { Pool } from 'pg';
import type { Logger } from '../../lib/platform/logger';
import type { TrackingToken } from '../../lib/contracts/tracking/tracking-token';
import { DO_NOT_FOLLOW_CONTACTS_SQL } from '../../lib/domain/contacts/following';

/**
 * Who may not be followed (docs/ingest.md#do-not-allow-following-and-the-workspace-switch), held in process and
 * reloaded from PostgreSQL every `refreshMs`:
 * - contacts whose following is Do Not Allow, on their own record, their account's or one of their leads'
 *   (`allow_follow_email = false`, lib/domain/contacts/following.ts): none of their opens, clicks or attachment
 *   views is recorded, whatever the message;
 * - erased contacts (`contact_erasures`, POST /v1/contacts/{id}/erasure): the same, and nothing else either:
 *   their unsubscribes, subscription center, forwards and bounce or complaint reports are answered or
 *   acknowledged, never turned into events (`erased`);
 * - workspaces that switched email engagement off (`engagement_settings.following_enabled = false`): nothing more
 *   is recorded of their followed messages, also of those sent while it was on, i.e. their one-to-one messages (a token
 *   without a journey: the sender's direct messages and their forwarded copies); journey emails keep their marketing
 *   insights.
 *
 * The sender already gives later messages no beacon and plain links; this covers messages tracked before. Their
 * pixel and redirects are served, nothing is recorded. The sets are small and read through partial indexes
 * (PostgreSQL 0120 and 0290; every erasure record is read, ~100 bytes of memory each), so a reload costs what it holds and
 * a hit costs two set lookups; a change takes effect within one reload: a hit in between is recorded, and the
 * erasure's second pass (services/api/erasure-resweep.ts) erases it.
 */
export class FollowingPolicy {
  /** Do Not Allow and erased contacts: none is followed */
  private contacts: ReadonlySet<string> = new Set();
  private erasedContacts: ReadonlySet<string> = new Set();
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

  /** Whether the contact was erased: nothing of it is recorded, whatever the route. */
  erased(contactId: string): boolean {
    return this.erasedContacts.has(contactId);
  }

  /** Do Not Allow contacts, erased contacts and workspaces not to follow, as last loaded */
  get sizes(): { contacts: number; erased: number; workspaces: number } {
    return {
      contacts: this.contacts.size - this.erasedContacts.size,
      erased: this.erasedContacts.size,
      workspaces: this.workspaces.size,
    };
  }

  /** Replaces the sets with PostgreSQL's; one reload at a time. */
  reload(): Promise<void> {
    this.loading ??= this.pool
      .query<{ id: string; scope: 'contact' | 'erased' | 'workspace' }>(
        `SELECT id, 'contact' AS scope FROM (${DO_NOT_FOLLOW_CONTACTS_SQL}) unfollowed
         UNION ALL SELECT contact_id::text, 'erased' FROM contact_erasures
         UNION ALL SELECT workspace_id::text, 'workspace' FROM engagement_settings WHERE NOT following_enabled`,
      )
      .then(({ rows }) => {
        const ids = (scope: string) => rows.filter((row) => row.scope === scope).map((row) => row.id);
        this.erasedContacts = new Set(ids('erased'));
        this.contacts = new Set([...ids('contact'), ...this.erasedContacts]);
        this.workspaces = new Set(ids('workspace'));
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
    const reload = () =>
      this.reload().catch((error: Error) => this.log.warn({ err: error.message }, 'following_policy_reload_failed'));
    await reload();
    this.timer = setInterval(() => void reload(), this.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.loading?.catch(() => undefined);
  }
}
