import type { Browser, Page } from 'playwright-core';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { formatCount } from '../../services/api/ui/format';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { launchChromium, withChromium } from '../support/chromium';

/*
 * The redirect URL pages (/ui/redirect-urls, /ui/redirect-urls/{id}; docs/redirect-urls.md#insights) in Debian's
 * Chromium: the list links to each, and every number shown is the API's (GET /v1/insights/redirect-urls/{id} and its
 * clicks), printed with format.ts, with no error logged. The clicks are inserted as the aggregator writes them.
 */
const maybe = withChromium('the redirect URL browser test');

let kit: ApiKit;
let browser: Browser | undefined;
beforeAll(async () => {
  kit = await startApiKit();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await kit?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function clicks(workspaceId: string, redirectUrlId: string): CairnEvent[] {
  const at = Date.now() - 3_600_000;
  const click = (n: number, country: string | null, device: string, machineReason: string | null): CairnEvent => ({
    type: 'redirect_clicked',
    data: {
      ...{ event_id: `${redirectUrlId}-${n}`, event_time: at + n * 1000, workspace_id: workspaceId, contact_id: '' },
      ...{ message_id: '', email_id: '', email_version: 0, redirect_url_id: redirectUrlId, url: 'https://x.test/' },
      ...{ country, user_agent_class: device, machine: machineReason !== null, machine_reason: machineReason },
    },
  });
  return [
    click(1, 'NL', 'mobile', null),
    click(2, 'NL', 'desktop', null),
    click(3, null, 'desktop', null),
    click(4, 'US', 'unknown', 'head'),
  ];
}

async function open(page: Page, url: string): Promise<void> {
  await page.goto(`${kit.baseUrl}${url}`);
  await page.waitForSelector('main[data-state="ready"]', { timeout: 30_000 }).catch(async (error: Error) => {
    throw new Error(`${url}: ${await page.textContent('body')}; ${error.message}`);
  });
}

const attributes = (page: Page, attribute: string) =>
  page.$$eval(`[${attribute}]`, (els, name) => els.map((el) => el.getAttribute(name)), attribute);

maybe(
  'show the API’s redirect URL numbers and the clicks behind them, with no errors',
  async () => {
    const ws = await createWorkspace(kit, 'ui-redirects');
    const api = client(kit, ws.key);
    const get = async (url: string) => (await api('GET', url)).json<Json>();
    const made = (await api('POST', '/v1/redirect-urls', { name: 'Flyer', destination: 'https://x.test/' })).json();
    await kit.env.clickhouse.insert('events_ingest', ingestRows(clicks(ws.id, made.id)));

    browser = await launchChromium();
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (r) => void (r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`)));
    await page.goto(`${kit.baseUrl}/ui/login`);
    await page.fill('#api-key', ws.key);
    await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);

    await open(page, '/ui/redirect-urls');
    expect(await attributes(page, 'data-redirect-url-id')).toEqual([made.id]);
    await open(page, `/ui/redirect-urls/${made.id}`);
    const insights = await get(`/v1/insights/redirect-urls/${made.id}`);
    expect(insights).toMatchObject({ clicks: 4, humanClicks: 3, machineClicks: 1 });
    const shown = await page.$$eval('[data-kpi]', (els) =>
      Object.fromEntries(els.map((el) => [el.getAttribute('data-kpi'), el.textContent])),
    );
    expect(shown).toEqual({
      clicks: formatCount(insights.clicks),
      humanClicks: formatCount(insights.humanClicks),
      machineClicks: formatCount(insights.machineClicks),
    });
    expect(await attributes(page, 'data-short-url')).toEqual([made.short_url]);
    expect(await attributes(page, 'data-country')).toEqual(insights.countries.map((c: Json) => c.country ?? ''));
    const timeline = (await get(`/v1/insights/redirect-urls/${made.id}/clicks?limit=100`)).items;
    expect(await attributes(page, 'data-click-id')).toEqual(timeline.map((c: Json) => c.eventId));
    expect(timeline).toHaveLength(3);
    expect(problems).toEqual([]);
  },
  120_000,
);
