import type DKIM from 'nodemailer/lib/dkim';
import type { Pool } from 'pg';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { openSecret } from '../../lib/platform/crypto/sealed-secret';
import type { Logger } from '../../lib/platform/logger';
import { dkimSigner } from './smtp-delivery';
import { TtlCache } from './ttl-cache';

/**
 * The DKIM signer of a message's From domain when it is a verified sending domain of the message's workspace
 * (docs/sender.md#sending-domains): its active key, opened with the operator key once and cached per (workspace,
 * From address) for a short TTL, so a rotation or a removal reaches the sender within it and no message waits on a query.
 */
export class SendingDomainKeys {
  private readonly cache: TtlCache<DKIM | null>;

  constructor(
    private readonly pool: Pool,
    private readonly sealingKey: Buffer,
    ttlMs: number,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  /** Null: no verified domain of the workspace (the platform key signs, or none). Throws when the query fails. */
  signerFor(workspaceId: string, fromAddress: string): Promise<DKIM | null> {
    // keyed by the From address as the version holds it: a hit costs one map lookup, no address parsing
    return this.cache.get(`${workspaceId}:${fromAddress}`, () => {
      const domain = sendingDomainOfAddress(fromAddress);
      return domain ? this.load(workspaceId, domain) : Promise.resolve(null);
    });
  }

  private async load(workspaceId: string, domain: string): Promise<DKIM | null> {
    const { rows } = await this.pool.query<{ domain_id: string; selector: string; private_key_sealed: string }>(
      `SELECT d.id::text AS domain_id, k.selector, k.private_key_sealed FROM sending_domains d
         JOIN sending_domain_keys k ON k.domain_id = d.id AND k.state = 'active'
        WHERE d.workspace_id = $1 AND d.domain = $2 AND d.status = 'verified'`,
      [workspaceId, domain],
    );
    const row = rows[0];
    if (!row) return null;
    const privateKey = openSecret(this.sealingKey, row.private_key_sealed, `${row.domain_id}:${row.selector}`);
    if (privateKey === null) {
      // the operator key changed, or the row was altered: the platform key signs rather than nothing being sent
      this.log.warn({ domain, selector: row.selector }, 'sending_domain_key_unreadable');
      return null;
    }
    return dkimSigner({ domainName: domain, keySelector: row.selector, privateKey });
  }
}
