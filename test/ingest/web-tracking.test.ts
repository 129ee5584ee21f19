import { randomBytes } from 'node:crypto';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { startIngestKit, stopIngestKit, type IngestKit } from './ingest-kit';
import { tokenFor, type HttpResult } from './ingest-support';
import { body, formDefinition, insertForm, insertPage, PUBLIC_URL, ticketIn } from './forms-kit';

// The tracking script and its collect route (docs/web-tracking.md): the origin gate, the page's URL on the site,
// Do Not Track and Global Privacy Control, the web token (its purpose, its workspace), the visitor id mode, and the
// click redirect that carries the token to a registered website.
let kit: IngestKit;
const SITE = 'https://www.shop.example';
let siteId: string;
let privateSiteId: string;
let otherWorkspace: string;

beforeAll(async () => {
  kit = await startIngestKit('cairn_web_tracking', {
    CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL,
    CAIRN_INGEST_WEB_PER_IP: '30',
  });
  siteId = await insertWebsite(kit.s.workspaceId, SITE, 'first_party', true);
  privateSiteId = await insertWebsite(kit.s.workspaceId, 'https://private.shop.example', 'none', false);
  otherWorkspace = newId();
  await kit.pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [otherWorkspace, 'other']);
  await kit.pool.query('INSERT INTO email_links (email_id, version, link_id, url, kind) VALUES ($1, 1, $2, $3, $4)', [
    kit.s.emailId,
    'to-site',
    `${SITE}/spring?utm_source=cairn#top`,
    'link',
  ]);
}, 60_000);

afterAll(() => stopIngestKit(kit));

async function insertWebsite(workspaceId: string, origin: string, mode: string, honorDnt: boolean): Promise<string> {
  const { rows } = await kit.pool.query<{ id: string }>(
    `INSERT INTO websites (workspace_id, name, origin, visitor_id_mode, honor_dnt) VALUES ($1, 'Shop', $2, $3, $4) RETURNING id`,
    [workspaceId, origin, mode, honorDnt],
  );
  return rows[0]?.id ?? '';
}

const rid = () => randomBytes(16).toString('hex');
const hitBody = (over: Record<string, unknown> = {}) => ({
  website: siteId,
  kind: 'page_view',
  url: `${SITE}/spring?q=private#x`,
  title: 'Spring\nsale',
  referrer: 'news.example',
  view: rid(),
  hit: rid(),
  visitor: rid(),
  token: '',
  ...over,
});
const collect = (body: unknown, headers: Record<string, string> = {}, ip = kit.client()) =>
  kit.send(ip, 'POST', '/w/collect', typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': 'text/plain;charset=UTF-8',
    origin: SITE,
    ...headers,
  });
/** The field the problem body names first. */
const fieldOf = (res: HttpResult) => (res.json() as { errors: { field: string }[] }).errors[0]?.field;
const webEvents = (viewId: string, n = 1) =>
  waitFor(
    () =>
      kit.reader.events.filter(
        (e): e is Extract<CairnEvent, { type: 'web_page_viewed' | 'web_link_clicked' }> =>
          (e.type === 'web_page_viewed' || e.type === 'web_link_clicked') && e.data.view_id === viewId,
      ),
    (found) => found.length >= n,
  );

describe('GET /w.js', () => {
  it('serves one small static script with a long cache and an ETag', async () => {
    const res = await kit.send(kit.client(), 'GET', '/w.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body.length).toBeLessThan(6_000);
    expect(res.body).not.toMatch(/\beval\(|innerHTML|new Function|<script/);
    const etag = String(res.headers.etag);
    const again = await kit.send(kit.client(), 'GET', '/w.js', undefined, { 'if-none-match': etag });
    expect([again.statusCode, again.body]).toEqual([304, '']);
  });
});

describe('POST /w/collect', () => {
  it('records a page view: the path only, the site origin allowed by CORS, the first-party visitor id', async () => {
    const body = hitBody();
    const res = await collect(body);
    expect([res.statusCode, res.json()]).toEqual([200, { visitor_cookie: true }]);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const [event] = await webEvents(body.view);
    expect(event?.type).toBe('web_page_viewed');
    expect(event?.data).toMatchObject({
      workspace_id: kit.s.workspaceId,
      contact_id: '',
      message_id: '',
      website_id: siteId,
      url: '/spring',
      page_path: '/spring',
      title: 'Spring sale',
      referrer_host: 'news.example',
      visitor_id: body.visitor,
      machine: false,
    });
    // the same hit again (a retried request) is the same event
    expect((await collect(body)).statusCode).toBe(200);
    const twice = await webEvents(body.view, 2);
    expect(new Set(twice.map((e) => e.data.event_id)).size).toBe(1);
  });

  it('records a link click with its destination without query or fragment', async () => {
    const body = hitBody({ kind: 'link_click', href: 'https://partner.example/offer?id=7#f' });
    expect((await collect(body)).statusCode).toBe(200);
    const [event] = await webEvents(body.view);
    expect(event?.type).toBe('web_link_clicked');
    expect(event?.data).toMatchObject({ url: 'https://partner.example/offer', page_path: '/spring' });
  });

  it('refuses another origin (403 naming origin), a page on another origin (422 url) and bad bodies (400 naming the field)', async () => {
    const evil = await collect(hitBody(), { origin: 'https://evil.example' });
    expect([evil.statusCode, fieldOf(evil)]).toEqual([403, 'origin']);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const none = await kit.send(kit.client(), 'POST', '/w/collect', JSON.stringify(hitBody()), {
      'content-type': 'text/plain',
    });
    expect(none.statusCode).toBe(403);
    const elsewhere = await collect(hitBody({ url: 'https://evil.example/spring' }));
    expect([elsewhere.statusCode, fieldOf(elsewhere)]).toEqual([422, 'url']);
    const cases: [unknown, string][] = [
      ['not json', 'body'],
      [[1, 2], 'body'],
      [hitBody({ website: 'nope' }), 'website'],
      [hitBody({ kind: 'scroll' }), 'kind'],
      [hitBody({ url: 'javascript:alert(1)' }), 'url'],
      [hitBody({ kind: 'link_click', href: 'ftp://x.example/' }), 'href'],
      [hitBody({ view: 'short' }), 'view'],
      [hitBody({ token: 'a b' }), 'token'],
    ];
    for (const [body, field] of cases) {
      const res = await collect(body);
      expect([field, res.statusCode, fieldOf(res)]).toEqual([field, 400, field]);
    }
    const unknown = await collect(hitBody({ website: newId() }));
    expect([unknown.statusCode, fieldOf(unknown)]).toEqual([404, 'website']);
    const big = await collect(hitBody({ title: 'x'.repeat(5_000) }));
    expect(big.statusCode).toBe(413);
  });

  it('records nothing for DNT or GPC when the website honours them; records when it does not', async () => {
    const optOuts: Record<string, string>[] = [{ dnt: '1' }, { 'sec-gpc': '1' }];
    for (const header of optOuts) {
      const body = hitBody();
      const res = await collect(body, header);
      expect([header, res.statusCode]).toEqual([header, 204]);
      // a later hit of the same page load arrives; the opted-out one never does
      const later = hitBody({ view: body.view });
      expect((await collect(later)).statusCode).toBe(200);
      const events = await webEvents(body.view);
      expect(events.map((e) => e.data.event_id)).toHaveLength(1);
    }
    const origin = 'https://private.shop.example';
    const body = hitBody({ website: privateSiteId, url: `${origin}/a` });
    const res = await collect(body, { dnt: '1', origin });
    // mode none: no cookie, and the page load is the visitor
    expect([res.statusCode, res.json()]).toEqual([200, { visitor_cookie: false }]);
    const [event] = await webEvents(body.view);
    expect(event?.data.visitor_id).toBe(body.view);
  });

  it('ties the hit to the contact with a web token of the workspace only', async () => {
    const { token, messageId } = tokenFor(kit.s, {}, 'web');
    const known = hitBody({ token });
    expect((await collect(known)).statusCode).toBe(200);
    const [event] = await webEvents(known.view);
    expect(event?.data).toMatchObject({ contact_id: kit.s.contactId, message_id: messageId, email_id: kit.s.emailId });
    const refused = [
      tokenFor(kit.s, {}, 'landing').token,
      tokenFor(kit.s, { linkId: 'to-site' }, 'click').token,
      tokenFor({ ...kit.s, workspaceId: otherWorkspace }, {}, 'web').token,
      `${token.slice(0, -2)}AA`,
    ];
    for (const bad of refused) {
      const body = hitBody({ token: bad });
      expect((await collect(body)).statusCode).toBe(200);
      const [anonymous] = await webEvents(body.view);
      expect([bad, anonymous?.data.contact_id, anonymous?.data.message_id]).toEqual([bad, '', '']);
    }
  });

  it('limits hits per website and client address (429 with Retry-After)', async () => {
    const ip = kit.client();
    const answers: number[] = [];
    for (let i = 0; i < 32; i++) answers.push((await collect(hitBody(), {}, ip)).statusCode);
    expect(answers.slice(0, 30).every((s) => s === 200)).toBe(true);
    const last = await collect(hitBody(), {}, ip);
    expect([last.statusCode, Number(last.headers['retry-after']) > 0]).toEqual([429, true]);
  });
});

describe('a tracked click to a registered website', () => {
  it('redirects with a web token that ties the visit to the contact', async () => {
    const { token, messageId } = tokenFor(kit.s, { linkId: 'to-site' });
    const res = await kit.send(kit.client(), 'GET', `/c/${token}`);
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(`${location.origin}${location.pathname}${location.hash}`).toBe(`${SITE}/spring#top`);
    expect(location.searchParams.get('utm_source')).toBe('cairn');
    const web = location.searchParams.get('cairn_wt') ?? '';
    expect(web).not.toBe('');
    const body = hitBody({ token: web, url: location.toString() });
    expect((await collect(body)).statusCode).toBe(200);
    const [event] = await webEvents(body.view);
    expect(event?.data).toMatchObject({ contact_id: kit.s.contactId, message_id: messageId, url: '/spring' });
    // a link elsewhere gets no web token
    const other = await kit.send(kit.client(), 'GET', `/c/${tokenFor(kit.s, { linkId: kit.s.links.safe }).token}`);
    expect(String(other.headers.location)).not.toContain('cairn_wt');
  });
});

describe('a form whose thank-you page is on a registered website', () => {
  it('redirects with a web token that ties the visit to the submitter', async () => {
    await kit.pool.query('UPDATE workspaces SET form_origins = $2 WHERE id = $1', [kit.s.workspaceId, [SITE]]);
    const definition = formDefinition([], { thank_you: { kind: 'redirect', url: `${SITE}/thanks` } });
    const form = await insertForm(kit.pool, kit.s.workspaceId, definition);
    const page = await insertPage(kit.pool, kit.s.workspaceId, [form]);
    const ticket = ticketIn(await kit.send(kit.client(), 'GET', `/p/${page}`), form);
    const email = `wren.${newId().slice(0, 8)}@example.com`;
    const posted = body({ cairn_ticket: ticket, email });
    const res = await kit.send(kit.client(), 'POST', `/forms/${form}/submit`, posted, { origin: PUBLIC_URL });
    expect(res.statusCode).toBe(303);
    const location = new URL(String(res.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(`${SITE}/thanks`);
    const web = location.searchParams.get('cairn_wt') ?? '';
    expect(web).not.toBe('');
    const { rows } = await kit.pool.query<{ id: string }>(
      'SELECT id FROM contacts WHERE workspace_id = $1 AND email = $2',
      [kit.s.workspaceId, email],
    );
    const hit = hitBody({ token: web, url: location.toString() });
    expect((await collect(hit)).statusCode).toBe(200);
    const [event] = await webEvents(hit.view);
    // no message led there: the submission stands in for it (message id the submission's, email id the form's)
    expect(event?.data).toMatchObject({ contact_id: rows[0]?.id, email_id: form, url: '/thanks', machine: false });
  });
});

describe('a contact that may not be followed', () => {
  it('gets no web token on the redirect, and its web token leaves the hit anonymous', async () => {
    const contactId = newId();
    await kit.pool.query(
      'INSERT INTO contacts (id, workspace_id, email, allow_follow_email) VALUES ($1, $2, $3, false)',
      [contactId, kit.s.workspaceId, `dna.${contactId.slice(0, 8)}@example.com`],
    );
    const of = { ...kit.s, contactId };
    // issued before the contact said Do Not Allow
    const web = tokenFor(of, {}, 'web').token;
    const location = await waitFor(
      async () => (await kit.send(kit.client(), 'GET', `/c/${tokenFor(of, { linkId: 'to-site' }).token}`)).headers,
      (headers) => !String(headers.location).includes('cairn_wt'),
    );
    expect(String(location.location)).toBe(`${SITE}/spring?utm_source=cairn#top`);
    const body = hitBody({ token: web });
    expect((await collect(body)).statusCode).toBe(200);
    const [event] = await webEvents(body.view);
    expect([event?.data.contact_id, event?.data.message_id]).toEqual(['', '']);
  });
});
