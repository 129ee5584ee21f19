import type { Pool } from 'pg';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { untilNextUtcDay, utcDay, warmupCap } from '../../lib/domain/email/warmup';
import { TtlCache } from './ttl-cache';

/** A deferred message comes back after the next UTC midnight plus up to this much, so a backlog is spread out. */
export const WARMUP_JITTER_MS = 15 * 60_000;

interface Schedule {
  domainId: string;
  caps: number[];
  startedOn: string;
}

/**
 * The warm-up of a message's From domain when it is a verified sending domain of the workspace with a schedule
 * (docs/sender.md#warm-up). The schedule, or its absence, is cached per (workspace, From address) like the DKIM
 * signer (sending-domain-keys.ts): a domain without a warm-up, or past its last day, costs no query per message.
 */
export class SendingDomainWarmup {
  private readonly cache: TtlCache<Schedule | null>;

  constructor(
    private readonly pool: Pool,
    ttlMs: number,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  /** Null: send it (one taken from today's cap, or no cap); else the delay to defer it by. Throws when a query fails. */
  async take(workspaceId: string, fromAddress: string, now = new Date()): Promise<number | null> {
    const schedule = await this.cache.get(`${workspaceId}:${fromAddress}`, () => {
      const domain = sendingDomainOfAddress(fromAddress);
      return domain ? this.load(workspaceId, domain) : Promise.resolve(null);
    });
    if (!schedule) return null;
    const today = utcDay(now);
    const cap = warmupCap(schedule.caps, schedule.startedOn, today);
    if (cap === null) return null;
    // NOTE: never more than the day's cap per domain and UTC day, across sender replicas: the count is taken in one
    // statement that adds one only while it is below the cap (the row lock orders concurrent takers). A message
    // taken and then not delivered (a refusal, a connection failure) still counts: simple, and never over.
    const { rowCount } = await this.pool.query(
      `INSERT INTO sending_domain_daily_counts AS c (domain_id, day, sent) VALUES ($1, $2::date, 1)
       ON CONFLICT (domain_id, day) DO UPDATE SET sent = c.sent + 1 WHERE c.sent < $3
       RETURNING c.sent`,
      [schedule.domainId, today, cap],
    );
    return rowCount ? null : untilNextUtcDay(now, WARMUP_JITTER_MS);
  }

  private async load(workspaceId: string, domain: string): Promise<Schedule | null> {
    const { rows } = await this.pool.query<{ id: string; warmup: number[]; started_on: string }>(
      `SELECT id::text, warmup, warmup_started_on::text AS started_on FROM sending_domains
        WHERE workspace_id = $1 AND domain = $2 AND status = 'verified'
          AND warmup IS NOT NULL AND warmup_started_on IS NOT NULL`,
      [workspaceId, domain],
    );
    const row = rows[0];
    return row ? { domainId: row.id, caps: row.warmup, startedOn: row.started_on } : null;
  }
}
