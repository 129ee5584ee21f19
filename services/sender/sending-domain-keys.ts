import type DKIM from 'nodemailer/lib/dkim';
import type { Pool } from 'pg';
import { sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { openSecret } from '../../lib/platform/crypto/sealed-secret';
import type { Logger } from '../../lib/platform/logger';
import { dkimSigner } from './smtp-delivery';

/** Cached (workspace, From address) pairs before the cache is emptied: far more than one sender meets in a TTL. */
const MAX_ENTRIES = 10_000;

interface Entry {
  expiresAt: number;
  signer: Promise<DKIM | null>;
}

/**
 * The DKIM signer of a message's From domain when it is a verified sending domain of the message's workspace
 * (docs/sender.md#sending-domains): its active key, opened with the operator key once and cached per (workspace,
 * From address) for a short TTL, so a rotation or a removal reaches the sender within it and no message waits on a query.
 */
export class SendingDomainKeys {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly pool: Pool,
    private readonly sealingKey: Buffer,
    private readonly ttlMs: number,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Null: no verified domain of the workspace (the platform key signs, or none). Throws when the query fails. */
  signerFor(workspaceId: string, fromAddress: string): Promise<DKIM | null> {
    // keyed by the From address as the version holds it: a hit costs one map lookup, no address parsing
    const key = `${workspaceId}:${fromAddress}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.signer;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    const domain = sendingDomainOfAddress(fromAddress);
    const signer = domain ? this.load(workspaceId, domain) : Promise.resolve(null);
    this.cache.set(key, { expiresAt: now + this.ttlMs, signer });
    // a failed query is not remembered: the next message asks again
    signer.catch(() => this.cache.delete(key));
    return signer;
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
