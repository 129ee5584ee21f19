import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import {
  pageLoadsOf,
  popularPages,
  websiteCountries,
  websiteKpis,
  websiteTimeline,
  type WebsiteFilter,
} from '../../services/api/insights/website-kpis';
import { webTrackingStream } from '../dashboards/web-tracking-dashboard.fixture';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { chdbRunner } from '../support/chdb-runner';

const DB = 'cairn_website';

/**
 * The website insights on current ClickHouse (chdb, no server), over the website dashboard's stream (1 April 2026,
 * 10:00 UTC: noon in Oslo), with the numbers its definitions give (docs/kpis.md#website-kpis).
 */
describe('website insights on current ClickHouse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-website-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);
  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every website query', async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    const rows = ingestRows(webTrackingStream());
    session.query(
      `INSERT INTO ${DB}.events_ingest FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );
    const site: WebsiteFilter = { workspaceId: 'wsweb', websiteId: 'site1', timeZone: 'Europe/Oslo' };
    expect(await websiteKpis(runner, site)).toEqual({
      pageLoads: 4,
      uniqueVisitors: 3,
      knownVisitors: 1,
      linkClicks: 1,
      machineHits: 1,
    });
    expect(await popularPages(runner, site)).toEqual([
      { path: '/spring', pageLoads: 3, uniqueVisitors: 3 },
      { path: '/', pageLoads: 1, uniqueVisitors: 1 },
    ]);
    expect((await websiteCountries(runner, site)).map((c) => [c.country, c.pageLoads])).toEqual([
      ['SE', 2],
      ['DE', 1],
      [null, 1],
    ]);
    expect(await websiteTimeline(runner, site, 'hour')).toEqual([
      { period: '2026-04-01 12', pageLoads: 4, uniqueVisitors: 3 },
    ]);
    expect(await websiteTimeline(runner, site, 'day')).toEqual([
      { period: '2026-04-01', pageLoads: 4, uniqueVisitors: 3 },
    ]);
    const loads = await pageLoadsOf(runner, site, 10);
    expect(loads.map((l) => [l.eventId, l.machine])).toEqual([
      ['v1', false],
      ['v2', false],
      ['v3', false],
      ['v4', false],
      ['v5', true],
    ]);
    const outside = { from: new Date(Date.UTC(2026, 3, 2)), to: new Date(Date.UTC(2026, 3, 3)) };
    expect((await websiteKpis(runner, { ...site, ...outside })).pageLoads).toBe(0);
  });
});
