import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { scoreLeads } from '../../services/scheduler/lead-scoring';
import { formatCount } from '../../services/api/ui/format';
import { emailEvent } from '../aggregator/aggregator-harness';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { Workspace } from '../scheduler/scheduler-harness';
import { CHROMIUM, CHROMIUM_ARGS, withChromium } from '../support/chromium';
import { openReady, watchPage } from '../support/ui-pages';

/*
 * The lead scoring pages (/ui/scoring-models, /ui/scoring-models/{id}, /ui/leads/{id}) in Debian's Chromium: the
 * figures shown are the API's (GET /v1/insights/scoring-models/{id}, /v1/insights/leads/{id}), the crossed leads and
 * the lead's score history are listed, and the pages log no error. The scores are made by the scheduler's own scoring.
 */
const maybe = withChromium('the lead scoring pages browser test');

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

const shown = (page: Page) =>
  page.$$eval('[data-kpi]', (els) =>
    Object.fromEntries(els.map((el) => [el.getAttribute('data-kpi'), el.textContent])),
  );
const rowsOf = (page: Page, selector: string) => page.$$eval(selector, (els) => els.length);

maybe(
  'show the API’s lead scoring figures, the crossed leads and a lead’s history, with no errors',
  async () => {
    const ws = await createWorkspace(kit, 'ui-scoring');
    const api = client(kit, ws.key);
    const get = async (url: string) => (await api('GET', url)).json<Json>();
    const definition = { rules: [{ on: 'click', points: 20 }], half_life_days: 30, threshold: 30 };
    const model = (await api('POST', '/v1/scoring-models', { name: 'MQL', definition })).json<Json>();
    expect((await api('POST', `/v1/scoring-models/${model.id}/go-live`)).statusCode).toBe(200);
    const [hot, cold] = (await new Workspace(kit.pool, ws.id).contacts(2)) as [string, string];
    const click = (contact_id: string) => emailEvent('click', { workspace_id: ws.id, contact_id });
    await scoreLeads(kit.pool, [click(hot), click(hot), click(cold)], Date.now());
    const lead = (
      await kit.pool.query<{ id: string }>(
        `INSERT INTO leads (workspace_id, contact_id, origin, title) VALUES ($1, $2, 'api', 'Hot lead') RETURNING id::text`,
        [ws.id, hot],
      )
    ).rows[0]?.id;

    userDataDir = await mkdtemp(join(tmpdir(), 'cairn-ui-scoring-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${kit.baseUrl}/ui/login`);
    await page.fill('#api-key', ws.key);
    await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);

    await open(page, '/ui/scoring-models');
    expect(await rowsOf(page, `[data-model-id="${model.id}"]`)).toBe(1);
    await open(page, `/ui/scoring-models/${model.id}`);
    const insights = await get(`/v1/insights/scoring-models/${model.id}`);
    expect(insights).toMatchObject({ leads_processed: 2, crossed: 1 });
    expect(await shown(page)).toEqual({
      leads_processed: formatCount(insights.leads_processed),
      crossed: formatCount(insights.crossed),
      threshold: '30.0',
    });
    expect(
      await page.$$eval('[data-table="crossed"] [data-contact-id]', (els) =>
        els.map((el) => el.getAttribute('data-contact-id')),
      ),
    ).toEqual([hot]);
    expect(await rowsOf(page, '[data-table="distribution"] tbody tr')).toBe(insights.distribution.length);

    await open(page, `/ui/leads/${lead}`);
    expect((await shown(page)).origin).toBe('api');
    expect(await rowsOf(page, `[data-table="history-${model.id}"] tbody tr`)).toBe(2);
    expect(problems).toEqual([]);
  },
  120_000,
);
