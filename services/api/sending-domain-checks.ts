import type { Pool } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { definiteAbsence, loadDomain, publishedKeys, type KeyRow } from './sending-domains';
import type { Resolver } from 'node:dns/promises';

/** What DNS says of one key's record: published with this key, absent or another key, or no answer. */
type KeyCheck = { key: KeyRow; outcome: 'match' | 'absent' | 'other' | 'no_answer'; detail: string };

async function checkKey(resolver: Resolver, domain: string, key: KeyRow): Promise<KeyCheck> {
  const name = `${key.selector}._domainkey.${domain}`;
  const found = await publishedKeys(resolver, name);
  if (!Array.isArray(found))
    return definiteAbsence(found.error)
      ? { key, outcome: 'absent', detail: `no DKIM record at ${name} (${found.error})` }
      : { key, outcome: 'no_answer', detail: `the DNS lookup of ${name} failed (${found.error}); try again` };
  if (found.includes(key.public_key)) return { key, outcome: 'match', detail: '' };
  return found.length === 0
    ? { key, outcome: 'absent', detail: `no DKIM record at ${name}` }
    : { key, outcome: 'other', detail: `the DKIM record at ${name} has another key (its p= is not this key's)` };
}

/**
 * Verifies the domain's records through DNS (docs/api.md#sending-domains): the active key's record makes it
 * verified; a published next key becomes active and the old one retired. DNS is asked outside the transaction
 * (a slow server holds no row lock); the writes check the keys are still the ones asked about.
 */
export async function verifySendingDomain(pool: Pool, resolver: Resolver, workspaceId: string, id: string) {
  const { row, keys } = await loadDomain(pool, workspaceId, id);
  const checks = await Promise.all(keys.map((key) => checkKey(resolver, row.domain, key)));
  const active = checks.find((c) => c.key.state === 'active');
  const next = checks.find((c) => c.key.state === 'next');
  await inTransaction(pool, async (client) => {
    const locked = await loadDomain(client, workspaceId, id, true);
    // NOTE: the next key takes over only once its own record is published, so a message signed with it always
    // verifies; the old selector stays published (and the old key retired, never deleted) meanwhile. Under the row
    // lock, and only if that key is still the next one: two verifications at once never retire the new key.
    const stillNext = locked.keys.some((k) => k.state === 'next' && k.selector === next?.key.selector);
    if (next?.outcome === 'match' && stillNext) {
      await client.query(
        "UPDATE sending_domain_keys SET state = 'retired', retired_at = now() WHERE domain_id = $1 AND state = 'active'",
        [id],
      );
      await client.query(
        "UPDATE sending_domain_keys SET state = 'active' WHERE domain_id = $1 AND state = 'next' AND selector = $2",
        [id, next.key.selector],
      );
    }
    const verified = next?.outcome === 'match' || active?.outcome === 'match';
    const problems = [active, next].filter((c) => c && c.outcome !== 'match' && !(c === active && verified));
    const transient = !verified && active?.outcome === 'no_answer';
    await client.query(
      `UPDATE sending_domains SET
         status = CASE WHEN $2 THEN 'verified' WHEN $3 THEN status ELSE 'pending' END,
         verified_at = CASE WHEN $2 THEN coalesce(verified_at, now()) WHEN $3 THEN verified_at END,
         last_check_at = now(), last_check_error = $4
       WHERE id = $1`,
      [id, verified, transient, problems.map((p) => p?.detail).join('; ') || null],
    );
  });
  return loadDomain(pool, workspaceId, id);
}
