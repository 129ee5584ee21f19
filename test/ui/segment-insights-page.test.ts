import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { SegmentInsights } from '../../services/api/insights/segment-types';
import { formatCount } from '../../services/api/ui/format';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { launchChromium, withChromium } from '../support/chromium';

/*
 * The segment pages (/ui/segments, /ui/segments/{id}) in Debian's Chromium: every number shown is the API's
 * (GET /v1/insights/segments/{id}), printed with format.ts, the journeys using the segment are listed, and the page
 * logs no error.
 */
/** every run's screenshot (git-ignored) */
const OUTPUT = join(__dirname, '..', '..', 'test-output', 'ui');
const maybe = withChromium('the segment insights browser test');

let kit: ApiKit;
let browser: Browser | undefined;
beforeAll(async () => {
  kit = await startApiKit();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await kit?.close();
});

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

async function open(page: Page, url: string): Promise<void> {
  await page.goto(`${kit.baseUrl}${url}`);
  await page.waitForSelector('main[data-state="ready"]', { timeout: 30_000 }).catch(async (error: Error) => {
    throw new Error(`${url}: ${await page.textContent('body')}; ${error.message}`);
  });
}

/** A segment with entries and an exit today, used by one journey as its entry. */
async function seed(key: string) {
  const api = client(kit, key);
  const contacts: string[] = [];
  for (const email of ['a@ui.test', 'b@ui.test', 'c@ui.test'])
    contacts.push((await api('POST', '/v1/contacts', { email })).json().id as string);
  const segment = (await api('POST', '/v1/segments', { name: 'Picked', kind: 'static' })).json().id as string;
  await api('POST', `/v1/segments/${segment}/members`, { contact_ids: contacts });
  await api('DELETE', `/v1/segments/${segment}/members/${contacts[1]}`);
  const journey = await api('POST', '/v1/journeys', {
    name: 'Welcome',
    graph: {
      tiles: [
        { id: 'audience', type: 'segment', next: ['end'], config: { segment_ids: [segment], combine: 'union' } },
        { id: 'end', type: 'end' },
      ],
    },
  });
  expect(journey.statusCode).toBe(201);
  return { api, segment, journey: journey.json().id as string };
}

maybe(
  'shows the API’s members, entries and exits per day and the journeys using the segment, with no errors',
  async () => {
    const ws = await createWorkspace(kit, 'ui-segments');
    const { api, segment, journey } = await seed(ws.key);
    const insights = (await api('GET', `/v1/insights/segments/${segment}`)).json<SegmentInsights>();
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    const problems = watch(page);
    await page.goto(`${kit.baseUrl}/ui/login`);
    await page.fill('#api-key', ws.key);
    await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);

    await open(page, '/ui/segments');
    expect(
      await page.$$eval('[data-segment-id]', (els) => els.map((el) => el.getAttribute('data-segment-id'))),
    ).toEqual([segment]);
    await page.click(`[data-segment-id="${segment}"] a`);
    await page.waitForSelector('main[data-state="ready"]');
    expect(page.url()).toBe(`${kit.baseUrl}/ui/segments/${segment}`);

    const kpis = await page.$$eval('[data-kpi]', (els) =>
      Object.fromEntries(els.map((el) => [el.getAttribute('data-kpi'), el.textContent])),
    );
    const sum = (field: 'entered' | 'exited') => insights.days.reduce((n, d) => n + d[field], 0);
    expect(kpis).toEqual({
      member_count: formatCount(insights.member_count),
      entered: formatCount(sum('entered')),
      exited: formatCount(sum('exited')),
      members: formatCount(insights.days.at(-1)?.members ?? 0),
    });
    expect(kpis).toMatchObject({ member_count: '2', entered: '3', exited: '1', members: '2' });
    const rows = await page.$$eval('[data-table="days"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows).toEqual(
      insights.days.map((d) => [
        d.day,
        formatCount(d.entered),
        formatCount(d.exited),
        d.members === null ? '—' : formatCount(d.members),
      ]),
    );
    expect(await page.textContent(`[data-table="journeys"] [data-journey-id="${journey}"]`)).toContain(
      'entry tile audience',
    );
    // the chart is painted: some pixel of the canvas is not transparent
    const painted = await page.$eval('canvas', (canvas) => {
      const { width, height } = canvas;
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, width, height).data ?? [];
      return Array.prototype.some.call(pixels, (value: number, i: number) => i % 4 === 3 && value > 0);
    });
    expect(painted).toBe(true);
    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'segment.png'), fullPage: true });
    expect(problems).toEqual([]);
  },
  120_000,
);
