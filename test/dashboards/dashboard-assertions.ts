import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from '../../scripts/dashboards/all-dashboards';
import { writeZoneOffsets } from '../../services/aggregator/time-zone-offsets';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';
import { dashboardCases, emailScope } from './dashboard-expectations';
import { AB_PANELS, abScope } from './ab-test-dashboard.fixture';
import { CONTACT_ZONES, dashboardIngestRows, deadLetterRows, pipelineRows } from './dashboard-stream.fixture';
import { bindGrafana, dashboardQueries, type DashboardFile } from './grafana-binding';

/** A ClickHouse to test the dashboards on: the 18.16 server or chdb (current ClickHouse). */
export interface DashboardDb extends ClickHouseCommands {
  insert(table: string, rows: readonly object[]): Promise<void>;
  query(text: string): Promise<Record<string, unknown>[]>;
}

const DIR = join(__dirname, '..', '..', 'dashboards');
export const dashboardFiles = (): { file: string; json: DashboardFile }[] =>
  DASHBOARDS.map(({ file }) => ({ file, json: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as DashboardFile }));

/** The fixture in ClickHouse: events through the aggregator's insert target, zones, pipeline arrivals, dead letters. */
export async function loadDashboardFixture(db: DashboardDb): Promise<number> {
  const rows = dashboardIngestRows('ws');
  await db.insert('events_ingest', rows);
  await db.insert('contact_time_zones', CONTACT_ZONES('ws'));
  await writeZoneOffsets(db, ['Europe/Oslo']);
  await db.insert('events_raw', pipelineRows('wsp'));
  await db.insert('dead_letters', deadLetterRows());
  return rows.length;
}

/** ClickHouse returns 64-bit integers as JSON strings, and floats to its own precision: compare numbers as numbers. */
function normalize(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const value = (v: unknown): unknown => {
    const n = typeof v === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/.test(v) ? Number(v) : v;
    return typeof n === 'number' ? Math.round(n * 1e9) / 1e9 : n;
  };
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, v]) => [key, value(v)])));
}

/** Every panel and variable query of every dashboard file, bound as Grafana would, returns exactly the expected rows. */
export async function expectEveryDashboardQuery(db: DashboardDb, ingestRowCount: number): Promise<void> {
  const files = dashboardFiles();
  const queries = dashboardQueries(files);
  expect(queries.length).toBeGreaterThanOrEqual(50);
  for (const { file, scope, expected } of dashboardCases(ingestRowCount)) {
    const own = queries.filter((query) => query.dashboard === file);
    expect(own.map((query) => query.title).sort()).toEqual(Object.keys(expected).sort());
    for (const query of own) {
      const rows = await db.query(bindGrafana(query.sql, scope)).catch((error: Error) => {
        throw new Error(`${file} / ${query.title}: ${error.message.slice(0, 400)}`);
      });
      expect({ panel: `${file} / ${query.title}`, rows: normalize(rows) }).toEqual({ panel: `${file} / ${query.title}`, rows: normalize(expected[query.title] ?? []) });
    }
  }
}

/** The journey tiles dashboard's A/B panels over the A/B test tile's journey (ab-test-dashboard.fixture.ts). */
export async function expectAbPanels(db: DashboardDb): Promise<void> {
  const panels = dashboardQueries(dashboardFiles()).filter((q) => q.dashboard === 'journey-tiles.json' && q.title.startsWith('A/B'));
  expect(panels.map((p) => p.title).sort()).toEqual(Object.keys(AB_PANELS).sort());
  for (const panel of panels)
    expect({ panel: panel.title, rows: normalize(await db.query(bindGrafana(panel.sql, abScope))) }).toEqual({ panel: panel.title, rows: normalize(AB_PANELS[panel.title] ?? []) });
}

/**
 * Variables are user input (a viewer can put anything in the URL): a value with quotes and backslashes stays a value.
 * Bound into every query, it matches nothing (zero counts, no rows) instead of changing the query.
 */
export async function expectHostileVariablesMatchNothing(db: DashboardDb): Promise<void> {
  const hostile = "ws' OR 1=1 OR workspace_id != 'x\\' --";
  const scope = emailScope({ workspace_id: hostile, email_id: "g1') OR ('1'='1", journey_id: '', tile_id: "E1' OR '1'='1" });
  const panels = dashboardQueries(dashboardFiles()).filter((query) => query.dashboard === 'email-insights.json' && !query.title.startsWith('variable'));
  // the contact of the timeline panels is set in the URL too: in the fixture's own workspace it matches no contact
  const contactScope = emailScope({ workspace_id: 'ws', journey_id: 'jg', contact_id: "c2' OR contact_id != '" });
  const timelines = dashboardQueries(dashboardFiles()).filter((query) => query.title.startsWith('Contact '));
  expect(timelines).toHaveLength(2);
  for (const panel of timelines) expect({ panel: panel.title, rows: await db.query(bindGrafana(panel.sql, contactScope)) }).toEqual({ panel: panel.title, rows: [] });
  for (const panel of panels) {
    const rows = normalize(await db.query(bindGrafana(panel.sql, scope)));
    const counted = rows.flatMap((row) => Object.values(row)).filter((v) => typeof v === 'number' && v !== 0);
    expect({ panel: panel.title, counted }).toEqual({ panel: panel.title, counted: [] });
  }
}

/**
 * The tile filter splits one email used by two tiles of one journey (docs/kpis.md#email-kpis-per-tile): g2's tiles E1
 * (m20: sent, opened) and E2 (m21: sent, opened, clicked) each count their own messages, and together the journey's.
 */
export async function expectTileSplit(db: DashboardDb): Promise<void> {
  const panel = dashboardQueries(dashboardFiles()).find((q) => q.dashboard === 'email-insights.json' && q.title === 'Delivery funnel');
  const funnel = async (tile: string) =>
    normalize(await db.query(bindGrafana(panel?.sql ?? '', emailScope({ workspace_id: 'ws', email_id: 'g2', journey_id: 'jg', tile_id: tile }))))
      .map((row) => row.messages);
  // Targeted, Sent, Delivered, Opened (unique), Clicked (unique)
  expect(await funnel('E1')).toEqual([1, 1, 1, 1, 0]);
  expect(await funnel('E2')).toEqual([1, 1, 1, 1, 1]);
  expect(await funnel('')).toEqual([2, 2, 2, 2, 1]);
}
