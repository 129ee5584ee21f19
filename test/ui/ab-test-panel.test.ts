import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { formatCount, formatPercent } from '../../services/api/ui/format';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { Workspace } from '../scheduler/scheduler-harness';
import { CHROMIUM, CHROMIUM_ARGS, withChromium } from '../support/chromium';
import { watchPage } from '../support/ui-pages';

const maybe = withChromium('the A/B test panel browser test');

let kit: ApiKit;
let context: BrowserContext | undefined;
let userDataDir = '';

beforeAll(async () => {
  kit = await startApiKit();
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await kit?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The journey page's A/B test panel (docs/kpis.md#ab-test) shows what GET .../tiles/{tileId}/ab answers: a decided
 * test whose sends, engagement and decision are recorded as the engine records them (variant A sent to three
 * contacts, one opened; B to three, all opened, one clicked).
 */
maybe('the journey page shows each A/B test tile’s variants and decision as the API answers them', async () => {
  const { id, key } = await createWorkspace(kit, 'ab-ui');
  const ws = new Workspace(kit.pool, id);
  const contacts = await ws.contacts(6);
  const [a, b] = [await ws.email(), await ws.email()];
  const journeyId = await ws.liveJourney({
    tiles: [
      { id: 'seg', type: 'segment', next: ['ab'], config: { segment_ids: [await ws.segment(contacts)] } },
      {
        id: 'ab',
        type: 'ab_test',
        next: [],
        config: {
          variants: [
            { email_id: a, label: 'A' },
            { email_id: b, label: 'B' },
          ],
          test_share: 0.5,
          metric: 'unique_opens',
          duration_hours: 24,
          min_sample: 3,
        },
      },
    ],
  });
  await kit.pool.query(
    `INSERT INTO journey_ab_decisions (journey_id, iteration, tile_id, workspace_id, started_at, ends_at, decided_at, winner, reason)
     VALUES ($1, 0, 'ab', $2, now() - interval '2 hours', now() + interval '22 hours', now(), 1, 'significant')`,
    [journeyId, id],
  );
  await kit.pool.query(
    `INSERT INTO journey_ab_sends (journey_id, iteration, tile_id, contact_id, variant, in_test)
     SELECT $1, 0, 'ab', c, CASE WHEN i <= 3 THEN 0 ELSE 1 END, true FROM unnest($2::uuid[]) WITH ORDINALITY AS x(c, i)`,
    [journeyId, contacts],
  );
  const engaged = (kind: string, who: string[]) =>
    kit.pool.query(
      `INSERT INTO journey_engagements (journey_id, iteration, email_tile_id, contact_id, kind) SELECT $1, 0, 'ab', c, $2 FROM unnest($3::uuid[]) AS c`,
      [journeyId, kind, who],
    );
  await engaged('delivered', contacts);
  await engaged('opened', [contacts[0]!, ...contacts.slice(3)]);
  await engaged('clicked', [contacts[4]!]);

  const ab = (await client(kit, key)('GET', `/v1/insights/journeys/${journeyId}/tiles/ab/ab`)).json<Json>();
  expect(ab.variants.map((v: Json) => [v.sent, v.unique_opens, v.unique_clicks])).toEqual([
    [3, 1, 0],
    [3, 3, 1],
  ]);

  userDataDir = await mkdtemp(join(tmpdir(), 'cairn-ui-ab-'));
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${kit.baseUrl}/ui/login`);
  await page.fill('#api-key', key);
  await Promise.all([page.waitForURL('**/ui/emails'), page.click('button[type="submit"]')]);
  await page.goto(`${kit.baseUrl}/ui/journeys/${journeyId}`);
  await page.waitForSelector('[data-table="ab-ab"] tbody tr', { timeout: 30_000 });

  const rate = (r: number | null) => (r === null ? '—' : formatPercent(r));
  const expected = ab.variants.map((v: Json) => [
    v.variant === 1 ? 'B ★' : 'A',
    formatCount(v.sent),
    formatCount(v.unique_opens),
    rate(v.open_rate),
    formatCount(v.unique_clicks),
    rate(v.click_rate),
    rate(v.goal_rate),
    v.p_value === null ? 'leader' : v.p_value.toFixed(4),
    formatCount(v.winner_sent),
  ]);
  const shown = await page.$$eval('[data-table="ab-ab"] tbody tr', (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
  expect(shown).toEqual(expected);
  expect(await page.getAttribute('[data-ab-decision]', 'data-ab-decision')).toBe('significant');
  expect(await page.textContent('[data-ab-decision]')).toContain('Winner B');
  expect(problems).toEqual([]);
});
