import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { authenticate } from 'mailauth';
import { verifySendingDomain } from '../../services/api/sending-domain-checks';
import { insertKey, loadDomain } from '../../services/api/sending-domains';
import { LoopbackDns } from '../support/dns-server';
import { waitFor } from '../support/wait-for';
import {
  addContact,
  enqueue,
  seedWorkspace,
  sendRequest,
  startSenderHarness,
  type SenderHarness,
  type Seeded,
} from './sender-kit';

/*
 * Issue 22 part 2: a message From a verified sending domain of its workspace is signed with that domain's key
 * (d= the From domain) and verified by mailauth against the loopback DNS server's records, so DMARC (p=reject)
 * passes; after a rotation both selectors are served and new messages are signed with the new key. The domain is
 * added and verified with the API's own functions (services/api/sending-domains.ts); the sender runs as in
 * production. Another workspace's mail From the same domain, and a key the operator key does not open, are signed
 * with the platform key.
 */
const SEALING_KEY = randomBytes(32);
const DOMAIN = 'cairn.example'; // the From domain of the kit's email (news@cairn.example)
const PLATFORM = generateKeyPairSync('rsa', { modulusLength: 2048 });
let h: SenderHarness;
let dns: LoopbackDns;
let resolver: Resolver;

beforeAll(async () => {
  dns = await LoopbackDns.start();
  resolver = new Resolver();
  resolver.setServers([dns.server]);
  h = await startSenderHarness('cairn_sender_domains', () => ({
    CAIRN_DKIM_KEY_ENCRYPTION_KEY: SEALING_KEY.toString('base64'),
    CAIRN_SENDER_DOMAIN_KEYS_TTL_MS: '300',
    // the platform key: it signs until the From domain is verified, never after
    CAIRN_SENDER_DKIM_DOMAIN: 'platform.example',
    CAIRN_SENDER_DKIM_SELECTOR: 'platform',
    CAIRN_SENDER_DKIM_PRIVATE_KEY: PLATFORM.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }));
  const spki = PLATFORM.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  dns.txt('platform._domainkey.platform.example', `v=DKIM1; k=rsa; p=${spki}`);
  dns.txt(`_dmarc.${DOMAIN}`, 'v=DMARC1; p=reject');
});

afterAll(async () => {
  await h?.close();
  await dns?.close();
});

async function sendTo(address: string, seeded: Seeded = h.seeded): Promise<Buffer> {
  const contactId = await addContact(h.pool, seeded, { email: address });
  await enqueue(h.queue, [sendRequest(seeded, contactId)]);
  const [message] = await waitFor(
    () => h.smtp.to(address),
    (found) => found.length > 0,
    30_000,
  );
  return (message as { raw: Buffer }).raw;
}

/** What a receiving MTA would find: mailauth's authenticate with the loopback DNS server's records. */
async function dkimOf(raw: Buffer): Promise<{ result: string; domain: string; selector: string; dmarc: string }> {
  const checked = await authenticate(raw, {
    ip: '127.0.0.1',
    helo: 'sender.cairn.test',
    sender: 'news@cairn.example',
    mta: 'mx.example.com',
    resolver: dns.resolve,
  });
  const first = checked.dkim.results[0];
  return {
    result: first?.status.result ?? 'none',
    domain: first?.signingDomain ?? '',
    selector: first?.selector ?? '',
    dmarc: checked.dmarc ? checked.dmarc.status.result : 'none',
  };
}

describe('sender: DKIM per sending domain', () => {
  it('signs d=<From domain> with the active key, and with the next one after a rotation', async () => {
    // not a sending domain yet: the platform key signs, DKIM passes but is not aligned, DMARC fails
    expect(await dkimOf(await sendTo('before@example.com'))).toEqual({
      result: 'pass',
      domain: 'platform.example',
      selector: 'platform',
      dmarc: 'fail',
    });

    const { rows } = await h.pool.query<{ id: string }>(
      'INSERT INTO sending_domains (workspace_id, domain) VALUES ($1, $2) RETURNING id',
      [h.seeded.workspaceId, DOMAIN],
    );
    const domainId = (rows[0] as { id: string }).id;
    const first = await insertKey(h.pool, SEALING_KEY, domainId, 'active');
    dns.txt(`${first.selector}._domainkey.${DOMAIN}`, `v=DKIM1; k=rsa; p=${first.public_key}`);
    const verified = await verifySendingDomain(h.pool, resolver, h.seeded.workspaceId, domainId);
    expect(verified.row.status).toBe('verified');

    const signed = await waitFor(
      async () => dkimOf(await sendTo(`signed-${randomBytes(3).toString('hex')}@example.com`)),
      (dkim) => dkim.selector === first.selector,
      20_000,
    );
    expect(signed).toEqual({ result: 'pass', domain: DOMAIN, selector: first.selector, dmarc: 'pass' });

    const next = await insertKey(h.pool, SEALING_KEY, domainId, 'next');
    dns.txt(`${next.selector}._domainkey.${DOMAIN}`, `v=DKIM1; k=rsa; p=${next.public_key}`);
    const rotated = await verifySendingDomain(h.pool, resolver, h.seeded.workspaceId, domainId);
    expect(rotated.keys).toEqual([expect.objectContaining({ selector: next.selector, state: 'active' })]);
    expect((await loadDomain(h.pool, h.seeded.workspaceId, domainId)).row.status).toBe('verified');

    // both selectors stay served: a message signed with the old key before the switch still verifies
    expect(await dns.resolve(`${first.selector}._domainkey.${DOMAIN}`, 'TXT')).toHaveLength(1);
    const after = await waitFor(
      async () => dkimOf(await sendTo(`after-${randomBytes(3).toString('hex')}@example.com`)),
      (dkim) => dkim.selector === next.selector,
      20_000,
    );
    expect(after).toEqual({ result: 'pass', domain: DOMAIN, selector: next.selector, dmarc: 'pass' });

    const metrics = await (await fetch(`http://127.0.0.1:${h.sender.metricsPort()}/metrics`)).text();
    expect(metrics).toMatch(/cairn_sender_dkim_signed_total\{key="sending_domain"\} [1-9]/);
    expect(metrics).toMatch(/cairn_sender_dkim_signed_total\{key="platform"\} [1-9]/);
  });

  it("never signs with another workspace's key, nor with a key the operator key does not open", async () => {
    // another workspace sending From the same domain, which it has not verified: the platform key
    const other = await seedWorkspace(h.pool);
    expect(await dkimOf(await sendTo('other-tenant@example.com', other))).toMatchObject({
      domain: 'platform.example',
      dmarc: 'fail',
    });

    // a third whose verified domain's key was sealed with another operator key: logged, the platform key signs
    const third = await seedWorkspace(h.pool);
    const { rows } = await h.pool.query<{ id: string }>(
      "INSERT INTO sending_domains (workspace_id, domain, status, verified_at) VALUES ($1, $2, 'verified', now()) RETURNING id",
      [third.workspaceId, DOMAIN],
    );
    await insertKey(h.pool, randomBytes(32), (rows[0] as { id: string }).id, 'active');
    expect(await dkimOf(await sendTo('third-tenant@example.com', third))).toMatchObject({
      result: 'pass',
      domain: 'platform.example',
    });
  });
});
