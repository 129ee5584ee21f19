import type { Pool } from 'pg';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { TtlCache } from './ttl-cache';

/**
 * Whether a message's From domain is a sending domain of the workspace that the circuit breaker paused
 * (docs/sender.md#paused-sending-domains). The answer is cached per (workspace, From address) like the warm-up
 * and the DKIM signer, so a pause or a resume reaches the sender within the TTL and costs no query per message.
 */
export class SendingDomainPause {
  private readonly cache: TtlCache<boolean>;

  constructor(
    private readonly pool: Pool,
    ttlMs: number,
    private readonly recheckMs: number,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  /** Null: send it; else the delay to defer it by (it waits, no attempt counted). Throws when the query fails. */
  async wait(workspaceId: string, fromAddress: string): Promise<number | null> {
    const paused = await this.cache.get(`${workspaceId}:${fromAddress}`, () => {
      const domain = sendingDomainOfAddress(fromAddress);
      return domain ? this.load(workspaceId, domain) : Promise.resolve(false);
    });
    return paused ? this.recheckMs : null;
  }

  private async load(workspaceId: string, domain: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'SELECT 1 FROM sending_domains WHERE workspace_id = $1 AND domain = $2 AND paused_at IS NOT NULL',
      [workspaceId, domain],
    );
    return (rowCount ?? 0) > 0;
  }
}
