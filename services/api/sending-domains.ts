import { generateKeyPair, randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { promisify } from 'node:util';
import type { Pool, PoolClient } from 'pg';
import { normaliseSendingDomain, sendingDomainOfAddress } from '../../lib/domain/email/sending-domain';
import { sealSecret } from '../../lib/platform/crypto/sealed-secret';
import type { ApiConfig } from './api.config';
import { ApiProblem, notFound } from './api-problem';

/** Sending domains: DKIM keys per domain, the DNS records to publish and their verification (docs/api.md#sending-domains). */

const generateRsa = promisify(generateKeyPair);

export interface KeyRow {
  selector: string;
  public_key: string;
  state: 'active' | 'next' | 'retired';
}

export interface DomainRow {
  id: string;
  domain: string;
  status: 'pending' | 'verified';
  verified_at: Date | null;
  last_check_at: Date | null;
  last_check_error: string | null;
  /** its route (docs/sender.md#routes); null: its workspace's */
  route: string | null;
  created_at: Date;
  /** its warm-up's daily caps (docs/sender.md#warm-up); null: none */
  warmup: number[] | null;
  /** YYYY-MM-DD (UTC), the schedule's day 1 */
  warmup_started_on: string | null;
  /** taken from today's (UTC) cap so far */
  sent_today: number;
  /** when the circuit breaker paused it (docs/scheduler.md#circuit-breaker); null: not paused */
  paused_at: Date | null;
  paused_reason: string | null;
  pause_rates: Record<string, number> | null;
}

export type DnsRecord = {
  type: 'TXT';
  name: string;
  value: string;
  purpose: 'dkim' | 'dkim-next' | 'spf' | 'dmarc';
  required: boolean;
  note: string;
};

/** The operator key, or a 503 naming the setting: no sending domain is added without a way to seal its key. */
export function sealingKeyOf(config: ApiConfig): Buffer {
  if (!config.dkimKeyEncryptionKey)
    throw new ApiProblem(503, 'sending domains need the operator setting CAIRN_DKIM_KEY_ENCRYPTION_KEY');
  return config.dkimKeyEncryptionKey;
}

export function domainOrProblem(raw: string): string {
  const domain = normaliseSendingDomain(raw);
  if (!domain)
    throw new ApiProblem(400, 'not a domain name Cairn can send from', [
      {
        field: 'body.domain',
        message: 'a host name of two labels or more (IDNA allowed), no IP address, ≤ 253 characters',
      },
    ]);
  return domain;
}

/** A selector no other key of the domain has: "cairn" and a random suffix, so a rotation never reuses one. */
const newSelector = (): string => `cairn-${randomBytes(5).toString('hex')}`;

/** A new 2048-bit RSA key for the domain, sealed with the operator key and bound to its row (domain id, selector). */
export async function insertKey(
  db: Pool | PoolClient,
  sealingKey: Buffer,
  domainId: string,
  state: 'active' | 'next',
): Promise<KeyRow> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const selector = newSelector();
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  await db.query(
    'INSERT INTO sending_domain_keys (domain_id, selector, private_key_sealed, public_key, state) VALUES ($1, $2, $3, $4, $5)',
    [domainId, selector, sealSecret(sealingKey, pem, `${domainId}:${selector}`), spki, state],
  );
  return { selector, public_key: spki, state };
}

export const dkimValue = (publicKey: string): string => `v=DKIM1; k=rsa; p=${publicKey}`;

/** What the workspace publishes: each live key's DKIM record, and SPF and DMARC advice. */
export function recordsOf(config: ApiConfig, domain: string, keys: KeyRow[]): DnsRecord[] {
  const dkim = keys
    .filter((k) => k.state !== 'retired')
    .map((k): DnsRecord => ({
      type: 'TXT',
      name: `${k.selector}._domainkey.${domain}`,
      value: dkimValue(k.public_key),
      purpose: k.state === 'active' ? 'dkim' : 'dkim-next',
      required: true,
      note:
        k.state === 'active'
          ? 'publish, then verify: messages From this domain are signed with this key once verified'
          : 'the rotation: publish beside the current record, then verify; the old selector can go once this one is active',
    }));
  const spf: DnsRecord = {
    type: 'TXT',
    name: domain,
    value: config.spfInclude
      ? `v=spf1 include:${config.spfInclude} ~all`
      : "v=spf1 include:<your relay's SPF domain> ~all",
    purpose: 'spf',
    required: false,
    note: 'advice: one SPF record per name; merge the include into an existing one',
  };
  const dmarc: DnsRecord = {
    type: 'TXT',
    name: `_dmarc.${domain}`,
    value: `v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}`,
    purpose: 'dmarc',
    required: false,
    note: 'advice: start at p=none with reports, tighten to quarantine or reject once aligned mail passes',
  };
  return [...dkim, spf, dmarc];
}

const DOMAIN_COLUMNS = `id, domain, status, verified_at, last_check_at, last_check_error, route_name AS route, created_at,
  warmup, warmup_started_on::text AS warmup_started_on, paused_at, paused_reason, pause_rates,
  coalesce((SELECT c.sent FROM sending_domain_daily_counts c
             WHERE c.domain_id = sending_domains.id AND c.day = (now() AT TIME ZONE 'UTC')::date), 0) AS sent_today`;

/** The live (active and next) keys of some domains, by domain id. */
async function liveKeys(db: Pool | PoolClient, domainIds: string[]): Promise<Map<string, KeyRow[]>> {
  const { rows } = await db.query<KeyRow & { domain_id: string }>(
    `SELECT domain_id::text, selector, public_key, state FROM sending_domain_keys
      WHERE domain_id = ANY($1::uuid[]) AND state <> 'retired' ORDER BY state, created_at`,
    [domainIds],
  );
  const byDomain = new Map<string, KeyRow[]>();
  for (const { domain_id, ...key } of rows) byDomain.set(domain_id, [...(byDomain.get(domain_id) ?? []), key]);
  return byDomain;
}

/** A domain of the workspace with its live keys (404 when the workspace has no such domain). */
export async function loadDomain(db: Pool | PoolClient, workspaceId: string, id: string, lock = false) {
  const { rows } = await db.query<DomainRow>(
    `SELECT ${DOMAIN_COLUMNS} FROM sending_domains WHERE workspace_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('sending domain');
  return { row: rows[0], keys: (await liveKeys(db, [id])).get(id) ?? [] };
}

/** Every domain of the workspace with its live keys, by name: two queries whatever their number. */
export async function listDomains(db: Pool, workspaceId: string) {
  const { rows } = await db.query<DomainRow>(
    `SELECT ${DOMAIN_COLUMNS} FROM sending_domains WHERE workspace_id = $1 ORDER BY domain LIMIT 1000`,
    [workspaceId],
  );
  const keys = await liveKeys(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({ row, keys: keys.get(row.id) ?? [] }));
}

/** The resolver of verification: the operator's servers (CAIRN_DNS_SERVERS), or the system's. */
export function resolverOf(config: ApiConfig): Resolver {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (config.dnsServers.length > 0) resolver.setServers(config.dnsServers);
  return resolver;
}

/** The p= of each DKIM record at the name, or the DNS error's code (ENOTFOUND, ENODATA, ETIMEOUT...). */
export async function publishedKeys(resolver: Resolver, name: string): Promise<string[] | { error: string }> {
  try {
    const records = await resolver.resolveTxt(name);
    return records.flatMap((chunks) => {
      const tags = new Map(
        chunks
          .join('')
          .split(';')
          .map((tag) => tag.trim().split('='))
          .map(([k, ...v]) => [(k ?? '').trim(), v.join('=').replace(/\s+/g, '')] as const),
      );
      return tags.get('v') === 'DKIM1' || tags.has('p') ? [tags.get('p') ?? ''] : [];
    });
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'DNS_FAILED' };
  }
}

/** A DNS answer that says the record is not there (as opposed to a server that did not answer). */
export const definiteAbsence = (code: string): boolean => code === 'ENOTFOUND' || code === 'ENODATA';

/** Go-live's rule (docs/api.md#sending-domains): under 'strict', the From domain must be a verified sending domain. */
export async function assertVerifiedFrom(
  db: Pool | PoolClient,
  config: Pick<ApiConfig, 'sendingDomains'>,
  workspaceId: string,
  fromAddress: string | undefined,
  field = 'from_address',
): Promise<void> {
  if (config.sendingDomains === 'relaxed' || !fromAddress) return;
  const domain = sendingDomainOfAddress(fromAddress);
  const { rowCount } = await db.query(
    "SELECT 1 FROM sending_domains WHERE workspace_id = $1 AND domain = $2 AND status = 'verified'",
    [workspaceId, domain ?? ''],
  );
  if (!rowCount)
    throw new ApiProblem(422, 'the From domain is not a verified sending domain of the workspace', [
      {
        field,
        message: `add ${domain ?? 'its domain'} at /v1/sending-domains, publish its DKIM record and verify it`,
      },
    ]);
}
