import { sql } from '../../lib/clickhouse/sql';
import type { ClickHouseCommands } from '../../lib/retention/clickhouse-mutations';
import { KPI_VIEWS, rebuildKpiFromRaw } from '../../lib/retention/kpi-rebuild';
import { emailInsights, journeyTileKpis, responsesOverTime, topLinks, type QueryRunner } from '../../lib/insights/insights-queries';
import { GLOSSARY_EMAIL_KPIS, GLOSSARY_TILES } from './glossary-stream.fixture';

/** One assertion set for the glossary stream, run on ClickHouse 18.16 and on current ClickHouse (chdb). */
export async function expectGlossaryKpis(ch: QueryRunner, ws: string): Promise<void> {
  const filter = { workspaceId: ws, emailId: 'g1' };
  expect(await emailInsights(ch, filter)).toEqual(GLOSSARY_EMAIL_KPIS);
  // click-through rate counts links only, not the attachment
  expect((await topLinks(ch, filter)).map((l) => [l.linkId, l.totalClicks, l.uniqueClicks, l.clickThroughRate])).toEqual([
    ['L1', 2, 1, 1],
    ['L2', 1, 1, 1],
  ]);
  expect(await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg' })).toEqual(GLOSSARY_TILES);
  const second = await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg', iteration: 2 });
  expect(second.map((t) => [t.tileId, t.inflow, t.blocked, t.paths])).toEqual([['S', 1, 1, {}], ['T', 1, 0, { yes: 1 }]]);
}

/** Days are the workspace's time zone: 23:30 UTC on 1 March is 2 March in Oslo. */
export async function expectWorkspaceDays(ch: QueryRunner, ws: string): Promise<void> {
  const filter = { workspaceId: ws, emailId: 'g1' };
  const utc = await responsesOverTime(ch, filter);
  expect(utc).toEqual([{ day: '2026-03-01', opened: 2, openedUnique: 1, clicked: 3, clickedUnique: 1, forwarded: 5, unsubscribed: 1 }]);
  expect((await responsesOverTime(ch, { ...filter, timeZone: 'Europe/Oslo' })).map((d) => d.day)).toEqual(['2026-03-02']);
  const march2 = new Date(Date.UTC(2026, 2, 2));
  expect((await emailInsights(ch, { ...filter, from: march2, to: march2, timeZone: 'Europe/Oslo' })).sent).toBe(10);
  expect((await emailInsights(ch, { ...filter, from: march2, to: march2 })).sent).toBe(0);
  expect((await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg', from: march2, timeZone: 'Europe/Oslo' }))[0]?.inflow).toBe(4);
  await expect(emailInsights(ch, { ...filter, timeZone: "UTC') OR 1=1 --" })).rejects.toThrow(/time zone/);
}

/** The backfill after migration 0090 and the erasure rebuild replay the views' own SELECTs over events_raw. */
export async function expectRebuildFromRaw(ch: ClickHouseCommands, ws: string): Promise<void> {
  for (const kpi of KPI_VIEWS.filter((view) => view.table.endsWith('_glossary'))) {
    await rebuildKpiFromRaw(ch, kpi, sql`workspace_id = ${ws}`, sql`workspace_id = ${ws}`);
  }
  await expectGlossaryKpis(ch, ws);
  // a second replay without deleting first merges by event_id: nothing counted twice
  await rebuildKpiFromRaw(ch, KPI_VIEWS[2], sql`workspace_id = ${ws}`);
  await expectGlossaryKpis(ch, ws);
}
