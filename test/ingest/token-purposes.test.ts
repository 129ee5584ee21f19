import type { TokenPurpose } from '../../lib/contracts/tracking/tracking-token';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { type IngestKit, startIngestKit, stopIngestKit } from './ingest-kit';
import { DESTINATION, httpRequest, tokenFor } from './ingest-support';

/**
 * Issue 20, defect 6: the open-beacon token in every message's HTML also unsubscribed, opened the subscription
 * center and forwarded. Each token now has one purpose and each route takes only its own: anything else is the
 * 404 of a bad token, counted against the same bad-token budget, and records nothing.
 */
const BAD_TOKEN_LIMIT = 5;
let kit: IngestKit;
const negatives: string[] = [];

beforeAll(async () => {
  kit = await startIngestKit('cairn_ingest_purpose', { CAIRN_INGEST_BAD_TOKENS_PER_IP: String(BAD_TOKEN_LIMIT) });
});

afterAll(() => stopIngestKit(kit));

const client = () => kit.client();
const send = (ip: string, method: string, url: string, payload?: string) => kit.send(ip, method, url, payload);
const memberships = async () =>
  (
    await kit.pool.query(
      'SELECT list_id, unsubscribed_at FROM list_memberships WHERE contact_id = $1 ORDER BY list_id',
      [kit.s.contactId],
    )
  ).rows;

/** Every request a route takes a token on, with a body that would act if the token were accepted. */
const ROUTES: {
  route: string;
  method: string;
  purpose: TokenPurpose;
  path: (token: string) => string;
  body?: string;
}[] = [
  { route: '/o', method: 'GET', purpose: 'open', path: (t) => `/o/${t}.gif` },
  { route: '/c', method: 'GET', purpose: 'click', path: (t) => `/c/${t}` },
  { route: '/a', method: 'GET', purpose: 'attachment', path: (t) => `/a/${t}` },
  { route: '/u', method: 'GET', purpose: 'unsubscribe', path: (t) => `/u/${t}` },
  { route: '/u', method: 'POST', purpose: 'unsubscribe', path: (t) => `/u/${t}`, body: 'List-Unsubscribe=One-Click' },
  { route: '/s', method: 'GET', purpose: 'subscription_center', path: (t) => `/s/${t}` },
  { route: '/s', method: 'POST', purpose: 'subscription_center', path: (t) => `/s/${t}`, body: 'submitted=1' },
  { route: '/f', method: 'GET', purpose: 'forward', path: (t) => `/f/${t}` },
  { route: '/f', method: 'POST', purpose: 'forward', path: (t) => `/f/${t}`, body: 'friend=eve%40example.org' },
];

/** A token of `purpose` for the seeded contact (click and attachment tokens name the seeded link of their kind). */
const tokenOf = (purpose: TokenPurpose, listId: string | null = kit.s.listIds[0] ?? null) => {
  const { s } = kit;
  return tokenFor(
    s,
    {
      listId,
      ...(purpose === 'click' ? { linkId: s.links.safe } : purpose === 'attachment' ? { linkId: s.links.file } : {}),
    },
    purpose,
  );
};

describe('one purpose per token', () => {
  it('refuses the pixel token at /u (GET and POST), /s, /f, /c and /a: 404, no list left, nothing forwarded', async () => {
    const before = await memberships();
    const pixel = tokenOf('open');
    negatives.push(pixel.messageId);
    for (const { route, method, path, body } of ROUTES.filter((r) => r.route !== '/o')) {
      const ip = client();
      const res = await send(ip, method, path(pixel.token), body);
      expect([route, method, res.statusCode, res.headers.location]).toEqual([route, method, 404, undefined]);
    }
    expect(await memberships()).toEqual(before);
    expect(kit.forwardsOf(pixel.messageId)).toEqual([]);
  });

  it('refuses every token, the report token (X-Cairn-Tracking) included, at every route of another purpose', async () => {
    const before = await memberships();
    for (const purpose of [...new Set(ROUTES.map((r) => r.purpose)), 'report' as const]) {
      const token = tokenOf(purpose);
      negatives.push(token.messageId);
      for (const { route, method, path, body } of ROUTES.filter((r) => r.purpose !== purpose)) {
        const res = await send(client(), method, path(token.token), body);
        expect([purpose, route, method, res.statusCode]).toEqual([purpose, route, method, 404]);
      }
    }
    expect(await memberships()).toEqual(before);
  });

  it('counts no open or click for an unsubscribe token (List-Unsubscribe and the mailto carry it)', async () => {
    const unsubscribe = tokenOf('unsubscribe');
    negatives.push(unsubscribe.messageId);
    expect((await send(client(), 'GET', `/o/${unsubscribe.token}.gif`)).statusCode).toBe(404);
    expect((await send(client(), 'GET', `/c/${unsubscribe.token}`)).statusCode).toBe(404);
  });

  it("answers a token of another purpose like a bad token: it counts against the address's bad-token budget", async () => {
    const ip = client();
    const pixel = tokenOf('open');
    negatives.push(pixel.messageId);
    const statuses: number[] = [];
    for (let i = 0; i < BAD_TOKEN_LIMIT; i++) statuses.push((await send(ip, 'GET', `/u/${pixel.token}`)).statusCode);
    expect(statuses).toEqual(Array(BAD_TOKEN_LIMIT).fill(404));
    // The address is now refused, even with a token of the right purpose.
    const refused = await send(ip, 'GET', `/o/${pixel.token}.gif`);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('still serves each route with a token of its own purpose', async () => {
    const own = (purpose: TokenPurpose, listId?: string | null) => tokenOf(purpose, listId);
    const open = own('open');
    expect((await send(client(), 'GET', `/o/${open.token}.gif`)).statusCode).toBe(200);
    expect(
      (
        await waitFor(
          () => kit.reader.byMessage(open.messageId),
          (e) => e.length === 1,
        )
      )[0]?.type,
    ).toBe('open');
    const click = own('click');
    expect((await send(client(), 'GET', `/c/${click.token}`)).headers.location).toBe(DESTINATION);
    expect((await send(client(), 'GET', `/a/${own('attachment').token}`)).headers.location).toBe(
      'https://files.example.com/brochure.pdf',
    );
    const unsubscribe = own('unsubscribe', kit.s.listIds[1] ?? null);
    const confirm = (await send(client(), 'GET', `/u/${unsubscribe.token}`)).body;
    expect(confirm).toContain(`action="/u/${unsubscribe.token}"`);
    expect(confirm).not.toContain('/s/'); // no way on to the subscription center with an unsubscribe token
    expect((await send(client(), 'GET', `/s/${own('subscription_center').token}`)).body).toContain('List 0');
    expect((await send(client(), 'GET', `/f/${own('forward').token}`)).body).toContain('name="friend"');
    expect((await send(client(), 'POST', `/u/${unsubscribe.token}`, 'List-Unsubscribe=One-Click')).statusCode).toBe(
      200,
    );
    expect((await memberships()).find((r) => r.list_id === kit.s.listIds[1])?.unsubscribed_at).not.toBeNull();
    await kit.pool.query('UPDATE list_memberships SET unsubscribed_at = NULL WHERE contact_id = $1', [kit.s.contactId]);
  });

  it('takes only the report token (X-Cairn-Tracking) in bounce and complaint webhooks', async () => {
    const secret = await createWebhookSecret(kit.pool, kit.s.workspaceId);
    const hook = (kind: string, items: Record<string, unknown>[]) =>
      httpRequest(kit.ingest.url(), {
        method: 'POST',
        url: `/v1/webhooks/${kind}`,
        payload: JSON.stringify({ events: items }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      });
    const address = `purpose.${newId().slice(0, 8)}@example.com`;
    for (const purpose of ['open', 'click', 'unsubscribe', 'subscription_center', 'forward'] as const) {
      const foreign = tokenOf(purpose);
      negatives.push(foreign.messageId);
      const bounce = await hook('bounces', [
        { token: foreign.token, recipient: address, status: '5.1.1', action: 'failed' },
      ]);
      expect([purpose, bounce.statusCode]).toEqual([purpose, 400]);
      expect(bounce.json()).toMatchObject({
        rejected: [{ index: 0, error: expect.stringMatching(/not a report token/) }],
      });
      expect(
        (await hook('complaints', [{ token: foreign.token, recipient: address, feedback_type: 'abuse' }])).statusCode,
      ).toBe(400);
    }
    expect(
      (
        await kit.pool.query('SELECT 1 FROM address_suppressions WHERE workspace_id = $1 AND address = $2', [
          kit.s.workspaceId,
          address,
        ])
      ).rowCount,
    ).toBe(0);
    const report = tokenOf('report');
    const accepted = await hook('complaints', [{ token: report.token, recipient: address, feedback_type: 'abuse' }]);
    expect(accepted.json()).toMatchObject({ accepted: [{ index: 0, result: 'abuse' }], rejected: [] });
    await waitFor(
      () => kit.reader.byMessage(report.messageId),
      (e) => e.length === 1,
    );
    // One address's reports share a partition in production order: the refused tokens reported nothing before it.
    expect(
      (
        await waitFor(
          () => kit.reportsFor(address),
          (r) => r.length >= 1,
        )
      ).map((r) => r.outcome),
    ).toEqual(['complaint']);
    await kit.pool.query('DELETE FROM address_suppressions WHERE workspace_id = $1 AND address = $2', [
      kit.s.workspaceId,
      address,
    ]);
  });

  it('recorded nothing for any refused token', async () => {
    // The contact's events share one partition in production order: once this sentinel is read, anything
    // produced before it would have been read too.
    const sentinel = tokenOf('open');
    await send(client(), 'GET', `/o/${sentinel.token}.gif`);
    await waitFor(
      () => kit.reader.byMessage(sentinel.messageId),
      (e) => e.length === 1,
    );
    for (const id of negatives) expect([id, kit.reader.byMessage(id)]).toEqual([id, []]);
    for (const id of negatives) expect(kit.forwardsOf(id)).toEqual([]);
  });
});
