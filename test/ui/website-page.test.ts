import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { formatCount } from '../../services/api/ui/format';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { webTrackingStream } from '../dashboards/web-tracking-dashboard.fixture';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { CHROMIUM, CHROMIUM_ARGS, withChromium } from '../support/chromium';
import { openReady, watchPage } from '../support/ui-pages';

/*
 * The website page (/ui/websites/{id}) in Debian's Chromium: every number shown is the API's
 * (GET /v1/insights/websites/{id}), printed with format.ts, the script tag is the website's, and the page logs no
 * error. The stream is the website dashboard's (test/dashboards/web-tracking-dashboard.fixture.ts).
 */
const maybe = withChromium('the website insights page test');

let kit: ApiKit;
let context: BrowserContext | undefined;
let userDataDir = '';
beforeAll(async () => {
  kit = await startApiKit();
}, 120_000);
afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await kit?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const open = (page: Page, url: string) => openReady(page, kit.baseUrl, url);

const attributeValues = (page: Page, attribute: string) =>
  page.$$eval(`[${attribute}]`, (els, name) => els.map((el) => el.getAttribute(name)), attribute);

maybe(
  'shows the API’s website numbers, pages, countries and loads, and the script tag, with no errors',
  async () => {
    const ws = await createWorkspace(kit, 'ui-website');
    const api = client(kit, ws.key);
    const get = async (url: string) => (await api('GET', url)).json<Json>();
    const site = (await api('POST', '/v1/websites', { name: 'Shop', origin: 'https://shop.example' })).json<Json>();
    const other = (await api('POST', '/v1/websites', { name: 'Blog', origin: 'https://blog.example' })).json<Json>();
    const stream = webTrackingStream({ workspaceId: ws.id, siteId: site.id, otherSiteId: other.id });
    await kit.env.clickhouse.insert('events_ingest', ingestRows(stream));

    userDataDir = await mkdtemp(join(tmpdir(), 'cairn-ui-website-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${kit.baseUrl}/ui/login`);
    await page.fill('#api-key', ws.key);
    await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);

    await open(page, '/ui/websites');
    expect((await attributeValues(page, 'data-website-id')).sort()).toEqual([site.id, other.id].sort());

    await open(page, `/ui/websites/${site.id}`);
    const insights = await get(`/v1/insights/websites/${site.id}`);
    const shown = await page.$$eval('[data-kpi]', (els) =>
      Object.fromEntries(els.map((el) => [el.getAttribute('data-kpi'), el.textContent])),
    );
    const fields = ['pageLoads', 'uniqueVisitors', 'knownVisitors', 'linkClicks', 'machineHits'];
    expect(shown).toEqual(Object.fromEntries(fields.map((f) => [f, formatCount(insights[f])])));
    expect(insights.pageLoads).toBe(4);
    expect(await attributeValues(page, 'data-path')).toEqual(insights.pages.map((p: Json) => p.path));
    expect(await attributeValues(page, 'data-country')).toEqual(insights.countries.map((c: Json) => c.country ?? ''));
    expect(await attributeValues(page, 'data-event-id')).toEqual(insights.recentLoads.map((l: Json) => l.eventId));
    expect(await attributeValues(page, 'data-period')).toEqual(['2026-04-01']);
    expect(await page.textContent('[data-script]')).toBe(site.script);

    await page.click('text=Per hour');
    // the table under the chart is folded away (<details>): present, not visible
    await page.waitForSelector('main[data-state="ready"] [data-period="2026-04-01 10"]', { state: 'attached' });
    expect(problems).toEqual([]);
  },
  120_000,
);
