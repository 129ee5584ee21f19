import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { formatCount, formatPercent, shareOf } from '../../services/api/ui/format';
import { client, startApiKit, type ApiKit } from '../api/api-test-kit';
import { seedInsights, type SeededInsights } from './insights-seed';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = join(__dirname, '..', '..');
/** every run's screenshots (git-ignored) */
const OUTPUT = join(ROOT, 'test-output', 'ui');
/**
 * The two the README shows, refreshed on request (CAIRN_UPDATE_README_IMAGES=1 npm test -- test/ui): a plain
 * `npm test` leaves the working tree as it found it.
 */
const README_IMAGES = process.env.CAIRN_UPDATE_README_IMAGES === '1' ? join(ROOT, 'docs', 'images') : null;

/** Debian's Chromium, installed by npm test (scripts/ensure-chromium.sh); without it the test skips with a message. */
const available = existsSync(CHROMIUM);
if (!available)
  process.stderr.write(
    `skipping the insights pages browser test: ${CHROMIUM} is missing (apt-get install -y chromium, or run npm test as root)\n`,
  );
const maybe = available ? it : it.skip;

/** The glossary KPIs every email page must show (GET /v1/insights/emails/{id} fields). */
const EMAIL_KPIS = [
  'targeted',
  'sent',
  'delivered',
  'blocked',
  'bouncedTotal',
  'bouncedHard',
  'bouncedSoft',
  'bouncedOther',
  'sendingFailed',
  'openedUnique',
  'openedTotal',
  'didNotOpen',
  'clickedUnique',
  'clickedTotal',
  'forwarded',
  'forwardSubmissions',
  'unsubscribed',
  'feedbackLoops',
  'subscriptionSubmitted',
  'generatedLeads',
  'attachmentViewsUnique',
  'attachmentViewsTotal',
  'machineOpens',
  'machineClicks',
  'machineOnlyOpened',
];
const VOLUME = ['inflow', 'processing', 'blocked', 'failed', 'processed'] as const;

let kit: ApiKit;
let seeded: SeededInsights | undefined;
let context: BrowserContext | undefined;
let userDataDir = '';

beforeAll(async () => {
  kit = await startApiKit();
  if (available) seeded = await seedInsights(kit);
}, 300_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await seeded?.close();
  await kit?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Console errors, uncaught exceptions and failed requests of a page: the test ends with none. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

async function ready(page: Page): Promise<void> {
  try {
    await page.waitForSelector('main[data-state="ready"]', { timeout: 30_000 });
  } catch (error) {
    const shown = await page.textContent('body').catch(() => '');
    throw new Error(`${page.url()} is not ready: ${shown}; ${(error as Error).message}`);
  }
}

async function screenshot(page: Page, name: string, readmeName?: string): Promise<void> {
  await mkdir(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
  if (readmeName && README_IMAGES) {
    await mkdir(README_IMAGES, { recursive: true });
    await page.screenshot({ path: join(README_IMAGES, readmeName), fullPage: true });
  }
}

/** [data-kpi] texts and data-value of the elements under `scope`, by KPI name. */
async function shownKpis(page: Page, scope: string): Promise<Record<string, { text: string; value: string }>> {
  return page.$$eval(`${scope} [data-kpi]`, (elements) =>
    Object.fromEntries(
      elements.map((el) => [
        el.getAttribute('data-kpi') ?? '',
        { text: el.textContent ?? '', value: el.getAttribute('data-value') ?? '' },
      ]),
    ),
  );
}

const cells = (page: Page, selector: string) =>
  page.$$eval(selector, (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')));

async function login(page: Page, key: string): Promise<void> {
  await page.goto(`${kit.baseUrl}/ui/emails`);
  await page.waitForURL('**/ui/login');
  await page.fill('#api-key', key);
  await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);
  await ready(page);
}

async function checkEmailPage(page: Page, api: ReturnType<typeof client>, emailId: string): Promise<void> {
  const base = `/v1/insights/emails/${emailId}`;
  const get = (url: string) => api('GET', url).then((r) => r.json<Json>());
  const [kpis, delivery, responses, links] = await Promise.all([
    get(base),
    get(`${base}/delivery`),
    get(`${base}/responses`),
    get(`${base}/links?limit=1000`),
  ]);
  const shown = await shownKpis(page, 'section');
  for (const field of EMAIL_KPIS)
    expect({ field, ...shown[field] }).toEqual({ field, text: formatCount(kpis[field]), value: String(kpis[field]) });

  const funnel = await page.$$eval('[data-funnel-value]', (els) =>
    els.map((el) => [el.getAttribute('data-funnel-value'), el.textContent]),
  );
  expect(funnel).toEqual([
    ['targeted', formatCount(delivery.targeted)],
    ['sent', formatCount(delivery.sent)],
    ['delivered', formatCount(delivery.delivered)],
    ['openedUnique', formatCount(kpis.openedUnique)],
    ['clickedUnique', formatCount(kpis.clickedUnique)],
  ]);
  const breakdown = Object.fromEntries(
    await page.$$eval('[data-delivery-value]', (els) =>
      els.map((el) => [el.getAttribute('data-delivery-value'), el.textContent]),
    ),
  );
  expect(breakdown).toEqual({
    ...Object.fromEntries(
      Object.entries(delivery.blockedByReason as Record<string, number>).map(([reason, n]) => [
        `blocked:${reason}`,
        formatCount(n),
      ]),
    ),
    'bounced:hard': formatCount(delivery.bounced.hard),
    'bounced:soft': formatCount(delivery.bounced.soft),
    'bounced:other': formatCount(delivery.bounced.other),
    sendingFailed: formatCount(delivery.sendingFailed),
  });
  expect(await cells(page, '[data-table="responses"] tbody tr')).toEqual(
    responses.items.map((d: Json) => [
      d.day,
      ...['opened', 'openedUnique', 'clicked', 'clickedUnique', 'forwarded', 'unsubscribed'].map((f) =>
        formatCount(d[f]),
      ),
    ]),
  );
  const linkRows = await cells(page, '[data-table="links"] tbody tr');
  expect(linkRows.map(([url, total, unique, ctr]) => [url, total, unique, ctr])).toEqual(
    links.items.map((l: Json) => [
      l.url,
      formatCount(l.totalClicks),
      formatCount(l.uniqueClicks),
      formatPercent(l.clickThroughRate),
    ]),
  );
  // Both charts drew something: the canvases have non-blank pixels.
  const painted = await page.$$eval('canvas', (canvases) =>
    canvases.map((canvas) => {
      const drawn = canvas as unknown as {
        width: number;
        height: number;
        getContext(
          kind: '2d',
        ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
      };
      const pixels =
        drawn.getContext('2d')?.getImageData(0, 0, drawn.width, drawn.height).data ?? new Uint8ClampedArray();
      return drawn.width > 0 && pixels.some((v, i) => i % 4 === 3 && v > 0);
    }),
  );
  expect(painted).toEqual([true, true]);
}

async function checkJourneyPage(
  page: Page,
  api: ReturnType<typeof client>,
  journeyId: string,
  tileIds: string[],
): Promise<void> {
  const journey = (await api('GET', `/v1/journeys/${journeyId}`)).json<Json>();
  const tiles = (await api('GET', `/v1/insights/journeys/${journeyId}/tiles`)).json<Json>().items as Json[];
  const graphTiles = journey.graph.tiles as Json[];
  expect(graphTiles.map((t) => t.id)).toEqual(tileIds);
  // Every tile of the graph is drawn, visible, once, and no two overlap.
  const drawn = await page.$$eval('[data-tile-id]', (els) =>
    els.map((el) => ({
      id: el.getAttribute('data-tile-id'),
      box: el.getBoundingClientRect().toJSON() as {
        left: number;
        right: number;
        top: number;
        bottom: number;
        width: number;
      },
    })),
  );
  expect(drawn.map((d) => d.id).sort()).toEqual([...tileIds].sort());
  for (const a of drawn) {
    expect(a.box.width).toBeGreaterThan(100);
    for (const b of drawn)
      if (a !== b)
        expect(
          a.box.right <= b.box.left ||
            b.box.right <= a.box.left ||
            a.box.bottom <= b.box.top ||
            b.box.bottom <= a.box.top,
        ).toBe(true);
  }
  expect(await page.$$eval('path[data-edge]', (els) => els.map((el) => el.getAttribute('data-edge')).sort())).toEqual(
    graphTiles.flatMap((t) => (t.next ?? []).map((n: string) => `${t.id}>${n}`)).sort(),
  );
  for (const tile of graphTiles) {
    const kpis = tiles.find((t) => t.tileId === tile.id) ?? {};
    const shown = await shownKpis(page, `[data-tile-id="${tile.id}"]`);
    for (const field of VOLUME)
      expect({ tile: tile.id, field, ...shown[field] }).toEqual({
        tile: tile.id,
        field,
        text: formatCount(kpis[field] ?? 0),
        value: String(kpis[field] ?? 0),
      });
  }
  // Each email tile's email KPIs (the Data panel: the messages that tile sent), as the API gives them.
  const emailTiles = tiles.filter((t) => t.email);
  expect(emailTiles.length).toBeGreaterThan(0);
  expect(await cells(page, '[data-table="email-tiles"] tbody tr')).toEqual(
    graphTiles.flatMap((tile) => {
      const email = emailTiles.find((t) => t.tileId === tile.id)?.email as Json | undefined;
      if (!email) return [];
      const fields = [
        'sent',
        'delivered',
        'openedUnique',
        'clickedUnique',
        'bouncedTotal',
        'feedbackLoops',
        'unsubscribed',
      ];
      return [[tile.id, ...fields.map((f) => formatCount(email[f]))]];
    }),
  );
  // The goal panel: the goal's progress as GET /v1/insights/journeys/{id}/goal gives it (clickers reached it).
  const goal = (await api('GET', `/v1/insights/journeys/${journeyId}/goal`)).json<Json>();
  expect(goal.reached).toBeGreaterThan(0);
  await page.waitForSelector('[data-goal="reached"]');
  expect(await page.$eval('[data-goal="reached"]', (el) => el.textContent)).toBe(formatCount(goal.reached));
  expect(await page.$eval('[data-goal="reached_share"]', (el) => el.textContent)).toBe(
    formatPercent(goal.reached_share),
  );
  expect(await page.$eval('[data-goal="exited"]', (el) => el.textContent)).toBe('0');
  // The controls panel: the workspace's cap, which blocked nobody, and no quiet hours or pacing.
  const controls = (await api('GET', `/v1/insights/journeys/${journeyId}/controls`)).json<Json>();
  expect(controls.frequency_cap).toMatchObject({ rules: [{ max_sends: 50, window_hours: 24 }], capped: 0 });
  await page.waitForSelector('[data-control="capped"]');
  expect(await page.$eval('[data-control="capped"]', (el) => el.textContent)).toBe('0');
  expect(await page.$eval('[data-control="held_now"]', (el) => el.textContent)).toBe('0');
  expect(await page.$eval('[data-control="queued_now"]', (el) => el.textContent)).toBe('0');
  // The trigger's paths: contacts and share of the contacts on any path, as the API counts them.
  const trigger = tiles.find((t) => t.tileId === 'downloaded') as Json;
  const onPaths = trigger.paths.true + trigger.paths.false;
  expect(onPaths).toBeGreaterThan(0);
  for (const pathId of ['true', 'false']) {
    const label = await page.$eval(`[data-path="downloaded:${pathId}"]`, (el) => ({
      contacts: el.getAttribute('data-contacts'),
      text: el.textContent,
    }));
    expect(label.contacts).toBe(String(trigger.paths[pathId]));
    expect(label.text).toContain(
      `${formatCount(trigger.paths[pathId])} · ${formatPercent(shareOf(trigger.paths[pathId], onPaths))}`,
    );
  }
}

/** The links heat map: a frame sandboxed with no permission, its marks the API's click-through rates, its links inert. */
async function checkHeatmap(page: Page, api: ReturnType<typeof client>, emailId: string, links: Json[]): Promise<void> {
  const heatmap = (await api('GET', `/v1/insights/emails/${emailId}/heatmap`)).json<Json>();
  const element = await page.waitForSelector('iframe[data-heatmap]');
  expect(await element.getAttribute('sandbox')).toBe('');
  const frame = await element.contentFrame();
  if (!frame) throw new Error('the heat map frame has no document');
  await frame.waitForSelector('.cairn-heat');
  const marks = await frame.$$eval('.cairn-heat', (els) =>
    els.map((el) => [el.getAttribute('data-link-id'), el.textContent]),
  );
  // every tracked link of the version has its mark; each clicked link's mark is its click-through rate
  expect(marks.map(([id]) => id)).toEqual(heatmap.links.map((l: Json) => l.linkId));
  expect(links.length).toBeGreaterThan(0);
  for (const link of links)
    expect(marks.find(([id]) => id === link.linkId)).toEqual([link.linkId, formatPercent(link.clickThroughRate)]);
  const hrefs = await frame.$$eval('a[href]', (els) => els.map((el) => el.getAttribute('href') ?? ''));
  expect(hrefs.filter((href) => !href.startsWith('#cairn-link-'))).toEqual([]);
  // an opaque origin: the frame cannot reach the page that frames it
  expect(
    await frame.evaluate(() => {
      try {
        return (globalThis as unknown as { parent: { document: { title: string } } }).parent.document.title;
      } catch {
        return 'blocked';
      }
    }),
  ).toBe('blocked');
  const framed = await fetch(`${kit.baseUrl}${heatmap.frame_url}`);
  expect(framed.headers.get('content-security-policy')).toMatch(/default-src 'none';.*sandbox$/);
  expect(framed.headers.get('content-security-policy')).not.toMatch(/script-src/);
}

async function checkGeography(page: Page, api: ReturnType<typeof client>, emailId: string): Promise<void> {
  const countries = (await api('GET', `/v1/insights/emails/${emailId}/geography`)).json<Json>().items as Json[];
  expect(countries.map((c) => c.country).sort()).toEqual(['DE', 'NO', 'SE', 'US', null].sort());
  const rows = await page.$$eval('[data-table="geography"] tbody tr', (trs) =>
    trs.map((tr) => [tr.getAttribute('data-country'), ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]),
  );
  expect(rows.map((r) => [r[0], ...r.slice(2, 7)])).toEqual(
    countries.map((c) => [
      c.country ?? '',
      ...['openedUnique', 'openedTotal', 'clickedUnique', 'clickedTotal', 'attachmentViewsTotal'].map((f) =>
        formatCount(c[f]),
      ),
    ]),
  );
}

/** From a tile's number to the contacts it counts, and from one of them to its timeline: the API's rows. */
async function checkTileContactsAndTimeline(
  page: Page,
  api: ReturnType<typeof client>,
  journeyId: string,
): Promise<void> {
  const listed = (
    await api('GET', `/v1/insights/journeys/${journeyId}/tiles/end_nurtured/contacts?state=processed&limit=200`)
  ).json<Json>().items as Json[];
  expect(listed.length).toBeGreaterThan(0);
  await Promise.all([
    page.waitForURL('**/tiles/end_nurtured?state=processed'),
    page.click('[data-tile-contacts="end_nurtured:processed"]'),
  ]);
  await ready(page);
  expect(await page.$$eval('[data-contact-id]', (rows) => rows.map((r) => r.getAttribute('data-contact-id')))).toEqual(
    listed.map((c) => c.contactId),
  );
  const contactId = String(listed[0]?.contactId);
  await Promise.all([page.waitForURL(`**/ui/contacts/${contactId}`), page.click(`[data-contact-id="${contactId}"] a`)]);
  await ready(page);
  const timeline = (await api('GET', `/v1/insights/contacts/${contactId}/timeline?limit=1000`)).json<Json>();
  expect(timeline.entries.length).toBeGreaterThan(0);
  expect(await page.$$eval('[data-event-id]', (rows) => rows.map((r) => r.getAttribute('data-event-id')))).toEqual(
    timeline.entries.map((e: Json) => e.eventId),
  );
  const byType = Object.fromEntries(
    (await cells(page, '[data-by-type]')).map(([type, n]) => [String(type).replace(/ /g, '_'), n]),
  );
  expect(byType).toEqual(
    Object.fromEntries(Object.entries(timeline.byType as Record<string, number>).map(([t, n]) => [t, formatCount(n)])),
  );
  expect(await page.$eval('canvas', (canvas) => (canvas as unknown as { width: number }).width)).toBeGreaterThan(0);
}

maybe(
  'the insights pages show the API’s numbers: login, lists, an email’s and a journey’s insights, no console errors',
  async () => {
    const s = seeded as SeededInsights;
    const api = client(kit, s.key);
    userDataDir = await mkdtemp(join(tmpdir(), 'cairn-ui-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 900 },
    });

    // A wrong key is refused on the login page and nothing is stored (a page of its own: its 401 is expected).
    const refused = await context.newPage();
    await refused.goto(`${kit.baseUrl}/ui/login`);
    await refused.fill('#api-key', 'cairn_00000000000000000000000000_wrong');
    await refused.click('button[type="submit"]');
    await refused.waitForSelector('p.error:not([hidden])');
    expect(await refused.evaluate(() => sessionStorage.length)).toBe(0);
    await refused.close();

    const page = await context.newPage();
    const problems = watch(page);
    const first = await page.goto(`${kit.baseUrl}/ui/`);
    expect(first?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await login(page, s.key);
    // The key is in sessionStorage only: not in the URL, not in a cookie.
    expect(page.url()).not.toContain(s.key);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('cairn.apiKey'))).toBe(s.key);

    const emailIds = await page.$$eval('[data-list="emails"] [data-email-id]', (rows) =>
      rows.map((r) => r.getAttribute('data-email-id')),
    );
    expect(emailIds.sort()).toEqual(Object.values(s.emails).sort());
    await screenshot(page, 'emails');
    await Promise.all([
      page.waitForURL(`**/ui/emails/${s.emails.paper}`),
      page.click(`[data-email-id="${s.emails.paper}"] a`),
    ]);
    await ready(page);
    await checkEmailPage(page, api, s.emails.paper);
    await checkGeography(page, api, s.emails.paper);
    const clicked = (await api('GET', `/v1/insights/emails/${s.emails.paper}/links?limit=1000`)).json<Json>().items;
    await checkHeatmap(page, api, s.emails.paper, clicked);
    await screenshot(page, 'email', 'email-insights.png');

    // A day range goes to the API as from/to: an empty past range shows the API's zeros.
    await page.goto(`${kit.baseUrl}/ui/emails/${s.emails.paper}?from=2001-01-01&to=2001-01-31`);
    await ready(page);
    const past = (await api('GET', `/v1/insights/emails/${s.emails.paper}?from=2001-01-01&to=2001-01-31`)).json<Json>();
    expect(past.sent).toBe(0);
    expect((await shownKpis(page, 'section')).sent?.text).toBe(formatCount(past.sent));

    await page.click('nav a[href="/ui/journeys"]');
    await ready(page);
    expect(
      await page.$$eval('[data-journey-id]', (rows) => rows.map((r) => r.getAttribute('data-journey-id'))),
    ).toEqual([s.journeyId]);
    await Promise.all([
      page.waitForURL(`**/ui/journeys/${s.journeyId}`),
      page.click(`[data-journey-id="${s.journeyId}"] a`),
    ]);
    await ready(page);
    await checkJourneyPage(page, api, s.journeyId, s.tileIds);
    await screenshot(page, 'journey', 'journey-insights.png');
    await checkTileContactsAndTimeline(page, api, s.journeyId);
    await screenshot(page, 'contact');

    // Signing out forgets the key: the pages send the browser back to the login.
    await page.click('text=Sign out');
    await page.waitForURL('**/ui/login');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
  },
  180_000,
);
