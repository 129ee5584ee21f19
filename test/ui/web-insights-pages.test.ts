import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { formatCount, formatPercent } from '../../services/api/ui/format';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { seedPagesAndForms } from '../api/page-form-seed';
import type { PageFormIds } from '../api/page-form-stream.fixture';
import { openReady, watchPage } from '../support/ui-pages';

/*
 * The page and form insights pages (/ui/pages/{id}, /ui/forms/{id}) in Debian's Chromium: every number shown is the
 * API's (GET /v1/insights/pages/{id}, /v1/insights/forms/{id} and their lists), printed with format.ts, and the page
 * logs no error. The seeded stream is the API test's (test/api/page-form-stream.fixture.ts).
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
const available = existsSync(CHROMIUM);
if (!available) process.stderr.write(`skipping the page and form insights browser test: ${CHROMIUM} is missing\n`);
const maybe = available ? it : it.skip;

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

/** The name lookups (GET /v1/pages/{id}, /v1/forms/{id}) may be 404. */
const watch = (page: Page) => watchPage(page, /\/v1\/(pages|forms)\/[0-9a-f-]{36}$/);
const open = (page: Page, url: string) => openReady(page, kit.baseUrl, url);

const shown = (page: Page) =>
  page.$$eval('[data-kpi]', (els) =>
    Object.fromEntries(els.map((el) => [el.getAttribute('data-kpi'), el.textContent])),
  );
const ids = (page: Page, attribute: string) =>
  page.$$eval(`[${attribute}]`, (els, name) => els.map((el) => el.getAttribute(name)), attribute);

maybe(
  'show the API’s page and form numbers and the rows behind them, with no errors',
  async () => {
    const ws = await createWorkspace(kit, 'ui-pages');
    const seeded: PageFormIds = await seedPagesAndForms(kit, ws);
    const api = client(kit, ws.key);
    const get = async (url: string) => (await api('GET', url)).json<Json>();
    userDataDir = await mkdtemp(join(tmpdir(), 'cairn-ui-pages-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${kit.baseUrl}/ui/login`);
    await page.fill('#api-key', ws.key);
    await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);

    await open(page, `/ui/pages/${seeded.pageId}`);
    const pageKpis = await get(`/v1/insights/pages/${seeded.pageId}`);
    expect(await shown(page)).toEqual({
      visits: formatCount(pageKpis.visits),
      uniqueVisitors: formatCount(pageKpis.uniqueVisitors),
      submissions: formatCount(pageKpis.submissions),
      conversionRate: formatPercent(pageKpis.conversionRate),
      machineVisits: formatCount(pageKpis.machineVisits),
    });
    const visits = (await get(`/v1/insights/pages/${seeded.pageId}/visits?limit=100`)).items;
    expect(await ids(page, 'data-visit-id')).toEqual(visits.map((v: Json) => v.eventId));
    expect(await ids(page, 'data-submission-id')).toEqual(seeded.submissions.slice(0, 2));
    const countries = (await get(`/v1/insights/pages/${seeded.pageId}/geography`)).items;
    expect(await ids(page, 'data-country')).toEqual(countries.map((c: Json) => c.country ?? ''));

    await open(page, `/ui/forms/${seeded.formId}`);
    const formKpis = await get(`/v1/insights/forms/${seeded.formId}`);
    expect(await shown(page)).toEqual(
      Object.fromEntries(Object.entries(formKpis).map(([k, v]) => [k, formatCount(v)])),
    );
    expect(await ids(page, 'data-submission-id')).toEqual(seeded.submissions);
    // a submission's content: every value in the tooltip
    const title = await page.getAttribute(`[data-submission-id="${seeded.submissions[0]}"] span.url`, 'title');
    expect(title).toContain('company: =HYPERLINK("x")');
    expect(problems).toEqual([]);
  },
  120_000,
);
