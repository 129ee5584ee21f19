import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { redirectClicks, redirectInsights, type RedirectFilter } from '../../services/api/insights/redirect-url-kpis';
import { redirectUrlsStream } from '../dashboards/redirect-urls-dashboard.fixture';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { chdbRunner } from '../support/chdb-runner';

const DB = 'cairn_redirect_urls';

/**
 * The redirect URL insights (docs/kpis.md#redirect-url-kpis) on current ClickHouse (chdb, no server), over the
 * dashboard test's stream: the numbers are written from the definitions (rk2 replayed counts once, rk4 is machine
 * traffic, rk5 is another redirect URL's), as the 18.16 stack tests check them through the API.
 */
describe('redirect URL insights on current ClickHouse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-redirects-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);
  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the KPI card, countries, days and the timeline', async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    const rows = ingestRows(redirectUrlsStream());
    session.query(
      `INSERT INTO ${DB}.events_ingest FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );
    const filter: RedirectFilter = { workspaceId: 'wsru', redirectUrlId: 'ru1', timeZone: 'Europe/Oslo' };
    const counts = { clicks: 4, humanClicks: 3, machineClicks: 1 };
    expect(await redirectInsights(runner, filter)).toEqual({
      ...counts,
      countries: [
        { country: 'NL', humanClicks: 2 },
        { country: null, humanClicks: 1 },
      ],
      days: [{ day: '2026-04-01', ...counts }],
    });
    const outside = { from: new Date(Date.UTC(2026, 3, 2)), to: new Date(Date.UTC(2026, 3, 3)) };
    expect((await redirectInsights(runner, { ...filter, ...outside })).clicks).toBe(0);
    expect((await redirectInsights(runner, { ...filter, workspaceId: 'other' })).clicks).toBe(0);
    const first = await redirectClicks(runner, { ...filter, machine: false, limit: 2 });
    const last = first[first.length - 1];
    const rest = await redirectClicks(runner, {
      ...filter,
      machine: false,
      limit: 2,
      after: last && { ms: last.ms, eventId: last.eventId },
    });
    expect([...first, ...rest].map((c) => [c.eventId, c.country, c.userAgentClass])).toEqual([
      ['rk3', null, 'desktop'],
      ['rk2', 'NL', 'desktop'],
      ['rk1', 'NL', 'mobile'],
    ]);
    expect((await redirectClicks(runner, { ...filter, machine: true, limit: 10 })).map((c) => c.machineReason)).toEqual(
      ['head'],
    );
  });
});
