import type { Pool } from 'pg';
import type { Logger } from '../../lib/logger';

/**
 * The contacts whose following is Do Not Allow (`contacts.allow_follow_email = false`; seed 001, "Set following to
 * Do Not Allow"), held in process and reloaded from PostgreSQL every `refreshMs`. The sender gives their messages
 * no beacon and plain links; this covers what was sent before they asked: their opens, clicks and attachment
 * views of earlier tracked messages are served (the pixel, the redirect) but recorded nowhere.
 *
 * The set is the contacts who asked, read through a partial index (PostgreSQL 0120), so a reload costs what it
 * holds; a hit only looks the contact up in memory. A change takes effect within one reload.
 */
export class UnfollowedContacts {
  private ids: ReadonlySet<string> = new Set();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly refreshMs: number,
    private readonly log: Logger,
  ) {}

  /** Whether ingest must record nothing of this contact's engagement. */
  has(contactId: string): boolean {
    return this.ids.has(contactId);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Replaces the set with PostgreSQL's; one reload at a time. */
  reload(): Promise<void> {
    this.loading ??= this.pool
      .query<{ id: string }>('SELECT id::text AS id FROM contacts WHERE NOT allow_follow_email')
      .then(({ rows }) => {
        this.ids = new Set(rows.map((row) => row.id));
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * Loads the set, then reloads it on a timer. Ingest does not wait for PostgreSQL to take hits: a failed load is
   * logged and retried at the next reload.
   */
  async start(): Promise<void> {
    const reload = () => this.reload().catch((error: Error) => this.log.warn({ err: error.message }, 'unfollowed_contacts_reload_failed'));
    await reload();
    this.timer = setInterval(reload, this.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.loading?.catch(() => undefined);
  }
}
