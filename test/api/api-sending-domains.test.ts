import { generateKeyPairSync } from 'node:crypto';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { LoopbackDns } from '../support/dns-server';
import {
  client,
  createDefaultContentSettings,
  createWorkspace,
  MJML_OK,
  startApiKit,
  type ApiKit,
} from './api-test-kit';

/*
 * Issue 22 part 2: sending domains through the API with the default 'strict' go-live. The DNS records shown, their
 * verification against a DNS server on loopback (a wrong key stays pending with the reason), rotation's two
 * selectors, scopes, tenancy, and no private key in any answer.
 */
let kit: ApiKit;
let dns: LoopbackDns;

beforeAll(async () => {
  dns = await LoopbackDns.start();
  kit = await startApiKit({ sendingDomains: 'strict', dnsServers: [dns.server], spfInclude: 'spf.relay.example' });
});

afterAll(async () => {
  await kit?.close();
  await dns?.close();
});

type Record = { name: string; value: string; purpose: string };
const dkimOf = (body: { records: Record[] }, purpose = 'dkim'): Record =>
  body.records.find((r) => r.purpose === purpose) as Record;

function expectNoPrivateKey(body: string): void {
  expect(body).not.toMatch(/PRIVATE KEY|private_key|sealed|v1\./);
}

describe('sending domains', () => {
  it('shows the records, verifies against DNS, rotates with two selectors', async () => {
    const ws = await createWorkspace(kit, 'domains');
    const api = client(kit, ws.key);
    const created = await api('POST', '/v1/sending-domains', { domain: 'News.Bücher.Example' });
    expect(created.statusCode).toBe(201);
    expectNoPrivateKey(created.body);
    const body = created.json();
    expect(body).toMatchObject({ domain: 'news.xn--bcher-kva.example', status: 'pending' });
    const dkim = dkimOf(body);
    expect(dkim.name).toMatch(/^cairn-[0-9a-f]{10}\._domainkey\.news\.xn--bcher-kva\.example$/);
    expect(dkim.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(dkimOf(body, 'spf').value).toBe('v=spf1 include:spf.relay.example ~all');
    expect(dkimOf(body, 'dmarc').name).toBe('_dmarc.news.xn--bcher-kva.example');

    const notThere = await api('POST', `/v1/sending-domains/${body.id}/verify`);
    expect(notThere.json()).toMatchObject({ status: 'pending', last_check_error: expect.stringMatching(/ENOTFOUND/) });

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
    dns.txt(dkim.name, `v=DKIM1; k=rsa; p=${other.toString('base64')}`);
    const wrong = await api('POST', `/v1/sending-domains/${body.id}/verify`);
    expect(wrong.json()).toMatchObject({ status: 'pending', last_check_error: expect.stringMatching(/another key/) });

    dns.txt(dkim.name, null).txt(dkim.name, dkim.value);
    const verified = await api('POST', `/v1/sending-domains/${body.id}/verify`);
    expect(verified.json()).toMatchObject({ status: 'verified', last_check_error: null });
    expect(verified.json().verified_at).toEqual(expect.any(String));

    const rotating = await api('POST', `/v1/sending-domains/${body.id}/rotate`);
    expect(rotating.statusCode).toBe(200);
    expectNoPrivateKey(rotating.body);
    const next = dkimOf(rotating.json(), 'dkim-next');
    expect(next.name).not.toBe(dkim.name);
    expect(rotating.json().selectors).toHaveLength(2);
    expect((await api('POST', `/v1/sending-domains/${body.id}/rotate`)).statusCode).toBe(409);

    const halfway = await api('POST', `/v1/sending-domains/${body.id}/verify`);
    expect(halfway.json()).toMatchObject({ status: 'verified', last_check_error: expect.stringMatching(/ENOTFOUND/) });
    dns.txt(next.name, next.value);
    const switched = (await api('POST', `/v1/sending-domains/${body.id}/verify`)).json();
    expect(switched).toMatchObject({ status: 'verified', last_check_error: null });
    expect(switched.selectors).toEqual([{ selector: next.name.split('.')[0], state: 'active' }]);

    const list = await api('GET', '/v1/sending-domains');
    expectNoPrivateKey(list.body);
    expect(list.json().items.map((d: { id: string }) => d.id)).toEqual([body.id]);
  });

  it('refuses bad names, duplicates, missing scopes and other workspaces', async () => {
    const ws = await createWorkspace(kit, 'domains-2');
    const api = client(kit, ws.key);
    for (const domain of ['127.0.0.1', 'localhost', `${'a'.repeat(64)}.example`, 'a..example']) {
      const bad = await api('POST', '/v1/sending-domains', { domain });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].field).toBe('body.domain');
    }
    const first = await api('POST', '/v1/sending-domains', { domain: 'mail.example.org' });
    expect((await api('POST', '/v1/sending-domains', { domain: 'MAIL.example.org' })).statusCode).toBe(409);

    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('POST', '/v1/sending-domains', { domain: 'x.example.org' })).statusCode).toBe(403);
    expect((await writer('POST', `/v1/sending-domains/${first.json().id}/verify`)).statusCode).toBe(403);
    expect((await writer('GET', `/v1/sending-domains/${first.json().id}`)).statusCode).toBe(200);

    const stranger = client(kit, (await createWorkspace(kit, 'stranger')).key);
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/verify'],
      ['POST', '/rotate'],
      ['DELETE', ''],
    ] as const)
      expect((await stranger(method, `/v1/sending-domains/${first.json().id}${path}`)).statusCode).toBe(404);
    expect((await api('DELETE', `/v1/sending-domains/${first.json().id}`)).statusCode).toBe(204);
  });

  it("go-live, test sends and one-to-one messages refuse a From domain that is not the workspace's verified sending domain", async () => {
    const ws = await createWorkspace(kit, 'domains-3');
    const api = client(kit, ws.key);
    await createDefaultContentSettings(api);
    const email = await api('POST', '/v1/emails', {
      name: 'e',
      subject: 's',
      from_address: 'news@brand.example.net',
      body_mjml: MJML_OK,
    });
    const goLive = () => api('POST', `/v1/emails/${email.json().id}/go-live`);
    const contact = (await api('POST', '/v1/contacts', { email: 'ann@example.com' })).json().id as string;
    const refused = await goLive();
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors[0].field).toBe('from_address');
    const testSend = await api('POST', `/v1/emails/${email.json().id}/test-send`, {
      to: ['qa@example.com'],
      contact_id: contact,
    });
    expect(testSend.statusCode).toBe(422);
    expect(testSend.json().errors[0].field).toBe('from_address');

    const oneToOne = () =>
      api('POST', '/v1/engagement/messages', {
        recipients: [contact],
        subject: 'Hello',
        body_html: '<p>Hello Ann</p>',
        from_address: 'rep@brand.example.net',
      });
    const refusedMessage = await oneToOne();
    expect(refusedMessage.statusCode).toBe(422);
    expect(refusedMessage.json().errors[0].field).toBe('from_address');

    const domain = (await api('POST', '/v1/sending-domains', { domain: 'brand.example.net' })).json();
    expect((await goLive()).statusCode).toBe(422); // pending is not enough
    dns.txt(dkimOf(domain).name, dkimOf(domain).value);
    expect((await api('POST', `/v1/sending-domains/${domain.id}/verify`)).json().status).toBe('verified');
    expect((await goLive()).statusCode).toBe(200);
    expect((await oneToOne()).statusCode).toBe(201);
  });
});

describe('sending domains without the operator key', () => {
  it('answers 503 naming the setting, and lists nothing', async () => {
    const bare = await startApiKit({ dkimKeyEncryptionKey: null });
    try {
      const api = client(bare, (await createWorkspace(bare, 'no-key')).key);
      const refused = await api('POST', '/v1/sending-domains', { domain: 'mail.example.com' });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().detail).toContain('CAIRN_DKIM_KEY_ENCRYPTION_KEY');
      expect((await api('GET', '/v1/sending-domains')).json()).toEqual({ items: [] });
    } finally {
      await bare.close();
    }
  });
});
