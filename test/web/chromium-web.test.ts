import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { startAggregator } from '../aggregator/aggregator-harness';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { ingestConfig, startIngest, tokens } from '../ingest/ingest-support';
import { launchChromium, withChromium } from '../support/chromium';
import { closeServer, freeLoopbackPort, listenLoopback } from '../support/loopback-http';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Website tracking in a real browser (docs/web-tracking.md): a customer's site on a loopback origin with the
// tracking script pasted in; its page views and link clicks reach ClickHouse through Kafka and the aggregator, and a
// visit that starts with a tracked email click is the contact's. Debian's Chromium (test/support/chromium.ts):
// without it the test is skipped with a message.
const maybe = withChromium('the Chromium website tracking test');

let api: ApiKit;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let aggregator: Awaited<ReturnType<typeof startAggregator>>;
let browser: Browser;
let site: Server;
let siteOrigin: string;
let ws: ReturnType<typeof client>;
let workspaceId: string;
let website: { id: string; script: string };

/** The customer's site: two pages linking to each other, the tracking script pasted into both. */
const customerSite = () =>
  createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    const page: Record<string, string> = {
      '/': '<title>Home</title><h1>Home</h1><a id="next" href="/next">Next</a>',
      '/next': '<title>Next</title><h1>Next</h1><a id="home" href="/">Home</a>',
    };
    const body = page[path];
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>${body}${website.script}`);
  });

beforeAll(async () => {
  const port = await freeLoopbackPort();
  const ingestUrl = `http://127.0.0.1:${port}`;
  api = await startApiKit({ ingestPublicUrl: ingestUrl });
  ingest = await startIngest(ingestConfig(api.env, { CAIRN_INGEST_PUBLIC_URL: ingestUrl, CAIRN_INGEST_PORT: port }));
  aggregator = await startAggregator(api.env);
  const made = await createWorkspace(api, 'web-browser');
  workspaceId = made.id;
  ws = client(api, made.key);
  site = customerSite();
  siteOrigin = await listenLoopback(site);
  const registered = await ws('POST', '/v1/websites', { name: 'Shop', origin: siteOrigin });
  expect(registered.statusCode).toBe(201);
  website = registered.json();
  if (maybe === it) browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await closeServer(site);
  await aggregator?.stop();
  await ingest?.cleanup();
  await api?.close();
});

interface WebInsights {
  pageLoads: number;
  knownVisitors: number;
  linkClicks: number;
  pages: { path: string; pageLoads: number }[];
  recentLoads: { path: string; contactId: string; messageId: string }[];
}
const insights = async (): Promise<WebInsights> => (await ws('GET', `/v1/insights/websites/${website.id}`)).json();

/** A live email with one link to the site, as the sender leaves it: its click URL for a contact. */
async function trackedClick(contactId: string): Promise<{ url: string; messageId: string }> {
  const emailId = newId();
  await api.pool.query(
    `INSERT INTO emails (id, workspace_id, name, status, live_version) VALUES ($1, $2, 'news', 'live', 1)`,
    [emailId, workspaceId],
  );
  await api.pool.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, compiled_html)
     VALUES ($1, 1, $2, 'Hello', 'news@cairn.example', '<p>hi</p>')`,
    [emailId, workspaceId],
  );
  await api.pool.query(
    `INSERT INTO email_links (email_id, version, link_id, url, kind) VALUES ($1, 1, 'l1', $2, 'link')`,
    [emailId, `${siteOrigin}/?utm_source=cairn`],
  );
  const messageId = newId();
  const token = tokens.mint(
    {
      ...{ workspaceId, contactId, emailId, emailVersion: 1, messageId, linkId: 'l1' },
      sentAt: Math.floor(Date.now() / 1000) - 3600,
    },
    'click',
  );
  return { url: `${new URL(website.script.split('"')[1] ?? '').origin}/c/${token}`, messageId };
}

maybe(
  'a page with the script records its view and a link click in ClickHouse',
  async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${siteOrigin}/`);
      // each part of the answer is its own query: wait until all of them saw the event
      expect((await waitFor(insights, (i) => i.pageLoads === 1 && i.pages.length === 1)).pages).toEqual([
        { path: '/', pageLoads: 1, uniqueVisitors: 1 },
      ]);
      await Promise.all([page.waitForURL(`${siteOrigin}/next`), page.click('#next')]);
      const seen = await waitFor(insights, (i) => i.pageLoads === 2 && i.linkClicks === 1 && i.pages.length === 2);
      expect(seen).toMatchObject({ knownVisitors: 0 });
      expect(seen.pages.map((p) => p.path).sort()).toEqual(['/', '/next']);
      expect(await context.cookies()).toEqual([]);
    } finally {
      await context.close();
    }
  },
  90_000,
);

maybe(
  'a visit that starts with a tracked email click is the contact’s, also on the next page',
  async () => {
    const contact = (await ws('POST', '/v1/contacts', { email: `web.${newId().slice(0, 8)}@example.com` })).json();
    const { url, messageId } = await trackedClick(contact.id);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForSelector('h1');
      // the script took the token out of the address bar
      await waitFor(
        async () => page.url(),
        (at) => !at.includes('cairn_wt'),
      );
      expect(new URL(page.url()).searchParams.get('utm_source')).toBe('cairn');
      await Promise.all([page.waitForURL(`${siteOrigin}/next`), page.click('#next')]);
      const known = await waitFor(
        insights,
        (i) => i.knownVisitors === 1 && i.recentLoads.filter((l) => l.contactId === contact.id).length === 2,
      );
      expect(known.recentLoads.filter((l) => l.contactId === contact.id).map((l) => [l.path, l.messageId])).toEqual(
        expect.arrayContaining([
          ['/', messageId],
          ['/next', messageId],
        ]),
      );
      expect(known.knownVisitors).toBe(1);
      const timeline = (await ws('GET', `/v1/insights/contacts/${contact.id}/timeline`)).json();
      expect(timeline.byType).toMatchObject({ web_page_viewed: 2, web_link_clicked: 1, click: 1 });
    } finally {
      await context.close();
    }
  },
  90_000,
);
