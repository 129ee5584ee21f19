import type { Pool } from 'pg';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { decodeForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import { PIXEL_GIF } from '../../services/ingest/tracking.routes';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { metricValue } from './ingest-process';
import { waitFor } from '../support/wait-for';
import {
  BROWSER_UA,
  DESTINATION,
  httpRequest,
  ingestConfig,
  seed,
  type Seeded,
  startIngest,
  tokenFor,
  TopicReader,
} from './ingest-support';

let env: TestEnv;
let pool: Pool;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let reader: TopicReader;
let s: Seeded;
const negatives: string[] = [];

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest');
  pool = createPgPool(env.postgresUrl, 3);
  ingest = await startIngest(
    ingestConfig(env, {
      CAIRN_INGEST_FORWARD_PER_MESSAGE: '2',
      CAIRN_INGEST_BAD_TOKENS_PER_IP: '40',
      CAIRN_INGEST_FOLLOWING_REFRESH_MS: '200',
    }),
  );
  reader = await new TopicReader(env.kafka, [env.topics.emailEvents, env.topics.forwardRequests]).start();
  s = await seed(pool);
});

afterAll(async () => {
  await reader?.stop();
  await ingest?.cleanup();
  await pool?.end();
  await env?.cleanup();
});

const inject = (options: Parameters<typeof httpRequest>[1]) => httpRequest(ingest.url(), options);
const get = (url: string, headers: Record<string, string> = {}) =>
  inject({ method: 'GET', url, headers: { 'user-agent': BROWSER_UA, ...headers } });
const eventsOf = (messageId: string, n: number) =>
  waitFor(
    () => reader.byMessage(messageId),
    (e) => e.length >= n,
  );
const memberships = async () =>
  (
    await pool.query('SELECT list_id, unsubscribed_at FROM list_memberships WHERE contact_id = $1 ORDER BY list_id', [
      s.contactId,
    ])
  ).rows;

describe('open pixel', () => {
  it('answers a no-cache 1×1 GIF and records an open decoded from Kafka', async () => {
    const { token, messageId } = tokenFor(s);
    const res = await get(`/o/${token}.gif`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.headers['cache-control']).toMatch(/no-store/);
    expect(res.rawPayload.equals(PIXEL_GIF)).toBe(true);
    const [open] = await eventsOf(messageId, 1);
    expect(open).toMatchObject({
      type: 'open',
      data: { workspace_id: s.workspaceId, contact_id: s.contactId, email_id: s.emailId, machine: false },
    });
    // no trusted proxy here: the client is the loopback peer, which has no country (an X-Forwarded-For is ignored)
    const forwarded = tokenFor(s);
    await get(`/o/${forwarded.token}.gif`, { 'x-forwarded-for': '193.0.6.139' });
    expect([open?.data, (await eventsOf(forwarded.messageId, 1))[0]?.data]).toMatchObject([
      { country: null },
      { country: null },
    ]);
  });

  it.each([
    ['HEAD', {}, 'head'],
    ['GET', { 'sec-purpose': 'prefetch;prerender' }, 'prefetch'],
    ['GET', { 'user-agent': 'Mimecast-Scanner/1.0' }, 'scanner_ua'],
    ['GET', { 'user-agent': 'Mozilla/5.0' }, 'apple_mpp'],
  ] as const)('%s %j is served but labelled machine (%s)', async (method, headers, reason) => {
    const { token, messageId } = tokenFor(s);
    const res = await inject({ method, url: `/o/${token}.gif`, headers: { 'user-agent': BROWSER_UA, ...headers } });
    expect(res.statusCode).toBe(200);
    const [open] = await eventsOf(messageId, 1);
    expect(open?.data).toMatchObject({ machine: true, machine_reason: reason });
  });

  it('labels a hit within seconds of the send as machine traffic', async () => {
    const { token, messageId } = tokenFor(s, { sentAt: Math.floor(Date.now() / 1000) });
    expect((await get(`/o/${token}.gif`)).statusCode).toBe(200);
    expect((await eventsOf(messageId, 1))[0]?.data).toMatchObject({ machine: true, machine_reason: 'too_soon' });
  });
});

describe('click redirect and attachment follow', () => {
  it('redirects to the stored destination and records the click with its link id', async () => {
    const { token, messageId } = tokenFor(s, { linkId: s.links.safe });
    const res = await get(`/c/${token}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(DESTINATION);
    const [click] = await eventsOf(messageId, 1);
    expect(click).toMatchObject({
      type: 'click',
      data: { link_id: 'l1', url: DESTINATION, link_kind: 'link', machine: false },
    });
  });

  it('follows an attachment link on /a and records link_kind attachment', async () => {
    const { token, messageId } = tokenFor(s, { linkId: s.links.file }, 'attachment');
    const res = await get(`/a/${token}`);
    expect(res.statusCode).toBe(302);
    expect((await eventsOf(messageId, 1))[0]?.data).toMatchObject({ link_id: 'att1', link_kind: 'attachment' });
  });

  it('answers 404 and records nothing for tampered, truncated, unknown-key and hostile-destination tokens', async () => {
    const { token, messageId } = tokenFor(s, { linkId: s.links.safe });
    negatives.push(messageId);
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    for (const bad of [flipped, token.slice(0, -3), `${token}AA`, 'x', `${token.slice(0, 40)}`]) {
      expect((await get(`/c/${bad}`)).statusCode).toBe(404);
      expect((await get(`/o/${bad}.gif`)).statusCode).toBe(404);
    }
    for (const linkId of [s.links.js, s.links.protocolRelative, s.links.crlf, 'no-such-link']) {
      const hostile = tokenFor(s, { linkId });
      negatives.push(hostile.messageId);
      const res = await get(`/c/${hostile.token}`);
      expect(res.statusCode).toBe(404);
      expect(res.headers.location).toBeUndefined();
    }
    const fileOnClick = tokenFor(s, { linkId: s.links.file });
    negatives.push(fileOnClick.messageId);
    expect((await get(`/c/${fileOnClick.token}`)).statusCode).toBe(404);
    expect((await get(`/c/${tokenFor(s).token}`)).statusCode).toBe(404); // an open token has no link
  });
});

describe('Do Not Allow following and the workspace switch', () => {
  const scrape = async () => (await httpRequest(ingest.metricsUrl(), { url: '/metrics' })).body;
  const unfollowedContacts = async () => metricValue(await scrape(), 'cairn_ingest_unfollowed', 'scope="contact"');
  const unfollowedWorkspaces = async () => metricValue(await scrape(), 'cairn_ingest_unfollowed', 'scope="workspace"');

  it("serves a Do Not Allow contact's pixel, link and attachment but records none of them, and records again once allowed", async () => {
    const contactId = newId();
    await pool.query('INSERT INTO contacts (id, workspace_id, email, allow_follow_email) VALUES ($1, $2, $3, false)', [
      contactId,
      s.workspaceId,
      `dna.${contactId.slice(0, 8)}@example.com`,
    ]);
    await waitFor(unfollowedContacts, (count) => count === 1);
    const hitsBefore = metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total');
    const open = tokenFor({ ...s, contactId });
    const click = tokenFor({ ...s, contactId }, { linkId: s.links.safe });
    const file = tokenFor({ ...s, contactId }, { linkId: s.links.file }, 'attachment');
    const pixel = await get(`/o/${open.token}.gif`);
    expect([pixel.statusCode, pixel.rawPayload.equals(PIXEL_GIF)]).toEqual([200, true]);
    expect((await get(`/c/${click.token}`)).headers.location).toBe(DESTINATION);
    expect((await get(`/a/${file.token}`)).headers.location).toBe('https://files.example.com/brochure.pdf');
    expect(metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total') - hitsBefore).toBe(3);

    await pool.query('UPDATE contacts SET allow_follow_email = true WHERE id = $1', [contactId]);
    await waitFor(unfollowedContacts, (count) => count === 0);
    // The contact's events share one partition in production order: once this open is read, the three hits
    // above would have been read too, had they been recorded.
    const allowed = tokenFor({ ...s, contactId });
    await get(`/o/${allowed.token}.gif`);
    expect((await eventsOf(allowed.messageId, 1))[0]?.data).toMatchObject({ contact_id: contactId });
    for (const { messageId } of [open, click, file]) expect(reader.byMessage(messageId)).toEqual([]);
  });

  it('records no hit of a contact whose account or one of whose leads does not allow following', async () => {
    const [viaAccount, viaLead, accountId] = [newId(), newId(), newId()];
    await pool.query(
      "INSERT INTO accounts (id, workspace_id, name, allow_follow_email) VALUES ($1, $2, 'Private AS', false)",
      [accountId, s.workspaceId],
    );
    await pool.query(
      'INSERT INTO contacts (id, workspace_id, email, account_id) VALUES ($1, $2, $3, $4), ($5, $2, $6, NULL)',
      [
        viaAccount,
        s.workspaceId,
        `acc.${viaAccount.slice(0, 8)}@example.com`,
        accountId,
        viaLead,
        `lead.${viaLead.slice(0, 8)}@example.com`,
      ],
    );
    await pool.query(
      "INSERT INTO leads (workspace_id, contact_id, title, allow_follow_email) VALUES ($1, $2, 'Lead', false)",
      [s.workspaceId, viaLead],
    );
    await waitFor(unfollowedContacts, (count) => count === 2);
    const hitsBefore = metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total');
    const opens = [tokenFor({ ...s, contactId: viaAccount }), tokenFor({ ...s, contactId: viaLead })];
    for (const open of opens) expect((await get(`/o/${open.token}.gif`)).statusCode).toBe(200);
    expect(metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total') - hitsBefore).toBe(2);

    await pool.query('UPDATE accounts SET allow_follow_email = true WHERE id = $1', [accountId]);
    await pool.query('UPDATE leads SET allow_follow_email = true WHERE contact_id = $1', [viaLead]);
    await waitFor(unfollowedContacts, (count) => count === 0);
    const allowed = tokenFor({ ...s, contactId: viaAccount });
    await get(`/o/${allowed.token}.gif`);
    expect((await eventsOf(allowed.messageId, 1))[0]?.data).toMatchObject({ contact_id: viaAccount });
    expect(reader.byMessage(opens[0]?.messageId ?? '')).toEqual([]);
  });

  it("records no open or click of a one-to-one message once its workspace switched following off, and still a journey email's", async () => {
    await pool.query('INSERT INTO engagement_settings (workspace_id, following_enabled) VALUES ($1, false)', [
      s.workspaceId,
    ]);
    await waitFor(unfollowedWorkspaces, (count) => count === 1);
    const hitsBefore = metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total');
    // A one-to-one (followed) message has no journey in its tokens; tokenFor gives one unless told otherwise.
    const direct = tokenFor(s, { journeyId: null, tileId: null });
    const directClick = tokenFor(s, { journeyId: null, tileId: null, linkId: s.links.safe });
    expect((await get(`/o/${direct.token}.gif`)).statusCode).toBe(200);
    expect((await get(`/c/${directClick.token}`)).headers.location).toBe(DESTINATION);
    expect(metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total') - hitsBefore).toBe(2);
    // The same contact's journey email is still recorded; read after the two hits above on the contact's partition.
    const journey = tokenFor(s);
    await get(`/o/${journey.token}.gif`);
    await eventsOf(journey.messageId, 1);
    expect([reader.byMessage(direct.messageId), reader.byMessage(directClick.messageId)]).toEqual([[], []]);

    await pool.query('UPDATE engagement_settings SET following_enabled = true WHERE workspace_id = $1', [
      s.workspaceId,
    ]);
    await waitFor(unfollowedWorkspaces, (count) => count === 0);
    const again = tokenFor(s, { journeyId: null, tileId: null });
    await get(`/o/${again.token}.gif`);
    expect((await eventsOf(again.messageId, 1))[0]?.data).toMatchObject({ journey_id: null });
  });
});

describe('unsubscribe and subscription center', () => {
  it('GET shows a confirmation page and changes nothing', async () => {
    const { token, messageId } = tokenFor(s, {}, 'unsubscribe');
    negatives.push(messageId);
    const before = await memberships();
    const res = await get(`/u/${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`action="/u/${token}"`);
    expect(await memberships()).toEqual(before);
  });

  it('one-click POST leaves the mail list before answering, records unsubscribe once, repeats are harmless', async () => {
    const { token, messageId } = tokenFor(s, { listId: s.listIds[0] }, 'unsubscribe');
    const post = () =>
      inject({
        method: 'POST',
        url: `/u/${token}`,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await post()).statusCode).toBe(200);
    const rows = await memberships();
    expect(rows.find((r) => r.list_id === s.listIds[0])?.unsubscribed_at).not.toBeNull();
    expect(rows.find((r) => r.list_id === s.listIds[1])?.unsubscribed_at).toBeNull();
    expect((await post()).statusCode).toBe(200);
    const events = await eventsOf(messageId, 2);
    expect(events.map((e) => e.data.event_id)).toEqual([events[0]?.data.event_id, events[0]?.data.event_id]);
    expect(events[0]?.data).toMatchObject({ method: 'one_click', list_ids: [s.listIds[0]] });
  });

  it('subscription center shows lists and applies the choices, recording subscription_submitted', async () => {
    const { token, messageId } = tokenFor(s, {}, 'subscription_center');
    const page = await get(`/s/${token}`);
    expect(page.body).toContain('List 0');
    const res = await inject({
      method: 'POST',
      url: `/s/${token}`,
      payload: `list=${s.listIds[0]}&submitted=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(200);
    const rows = await memberships();
    expect(rows.find((r) => r.list_id === s.listIds[0])?.unsubscribed_at).toBeNull();
    expect(rows.find((r) => r.list_id === s.listIds[1])?.unsubscribed_at).not.toBeNull();
    const types = (await eventsOf(messageId, 2)).map((e) => e.type).sort();
    expect(types).toEqual(['subscription_submitted', 'unsubscribe']);
  });
});

describe('forward to a friend', () => {
  it('shows a form, records forward and queues a request per friend, and rate-limits per message', async () => {
    const { token, messageId } = tokenFor(s, {}, 'forward');
    expect((await get(`/f/${token}`)).body).toContain('name="friend"');
    const post = (payload: string) =>
      inject({
        method: 'POST',
        url: `/f/${token}`,
        payload,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await post('friend=bob%40example.org&friend=carol%40example.net')).statusCode).toBe(200);
    expect((await post('friend=not-an-address%0d%0abcc%3aevil%40x.y')).statusCode).toBe(400);
    expect((await post('friend=dave%40example.org')).statusCode).toBe(200);
    expect((await post('friend=erin%40example.org')).statusCode).toBe(429);
    expect((await eventsOf(messageId, 2)).map((e) => e.type)).toEqual(['forward', 'forward']);
    const requests = await waitFor(
      () => reader.raw.filter((m) => m.topic === env.topics.forwardRequests).map((m) => decodeForwardRequest(m.value)),
      (r) => r.length >= 3,
    );
    expect(requests.map((r) => r?.friend_address).sort()).toEqual([
      'bob@example.org',
      'carol@example.net',
      'dave@example.org',
    ]);
    expect(requests[0]).toMatchObject({
      original_message_id: messageId,
      forwarded_by_contact_id: s.contactId,
      email_id: s.emailId,
    });
    expect(new Set(requests.map((r) => r?.new_message_id)).size).toBe(3);
  });
});

describe('operability', () => {
  const scrape = async () => (await httpRequest(ingest.metricsUrl(), { url: '/metrics' })).body;

  it('serves /healthz, /readyz and Prometheus /metrics (on its own listener) with spool depth', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/readyz')).json()).toMatchObject({ status: 'ok', spool_depth: 0 });
    const metrics = await scrape();
    for (const name of [
      'cairn_ingest_spool_depth 0',
      'cairn_ingest_produce_latency_seconds',
      'cairn_ingest_tracking_hits_total',
      'cairn_ingest_http_requests_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it('counts requests by route pattern and status: tracking hits, other routes, unknown paths', async () => {
    const requests = async () => {
      const text = await scrape();
      const count = (labels: string) => metricValue(text, 'cairn_ingest_http_requests_total', labels);
      return {
        pixel: count('route="/o/:token",method="GET",status="200"'),
        pixelHead: count('route="/o/:token",method="HEAD",status="200"'),
        badToken: count('route="/o/:token",method="GET",status="404"'),
        redirect: count('route="/c/:token",method="GET",status="302"'),
        health: count('route="/healthz",method="GET",status="200"'),
        unmatched: count('route="unmatched",method="GET",status="404"'),
      };
    };
    const before = await requests();
    await get(`/o/${tokenFor(s).token}.gif`);
    await get(`/o/${tokenFor(s).token}.gif`);
    await inject({ method: 'HEAD', url: `/o/${tokenFor(s).token}.gif` });
    await get('/o/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.gif');
    await get(`/c/${tokenFor(s, { linkId: s.links.safe }).token}`);
    await get('/healthz');
    expect((await get('/no/such/path')).statusCode).toBe(404);
    const after = await requests();
    // /metrics itself and other tests' requests may run in between: these only grow by what this test sent.
    expect(after.pixel - before.pixel).toBe(2);
    expect(after.pixelHead - before.pixelHead).toBe(1);
    expect(after.badToken - before.badToken).toBe(1);
    expect(after.redirect - before.redirect).toBe(1);
    expect(after.health - before.health).toBe(1);
    expect(after.unmatched - before.unmatched).toBe(1);
  });

  it('recorded nothing for any rejected request', async () => {
    // The contact's events share one partition in production order: once this sentinel is read, anything
    // produced before it would have been read too.
    const sentinel = tokenFor(s);
    await get(`/o/${sentinel.token}.gif`);
    await eventsOf(sentinel.messageId, 1);
    for (const id of negatives) expect(reader.byMessage(id)).toEqual([]);
  });
});

// Last: it locks 127.0.0.1 out of the tracking routes for the rest of the window.
describe('token guessing', () => {
  it('refuses an address with 429 on every tracking route once it presented too many bad tokens', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++)
      statuses.push((await get(`/o/guess${i}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.gif`)).statusCode);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((code) => code === 404).length).toBeLessThanOrEqual(40);
    expect((await get(`/c/${tokenFor(s, { linkId: s.links.safe }).token}`)).statusCode).toBe(429);
  });
});
