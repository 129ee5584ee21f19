import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { emailInsights } from '../../services/api/insights/email-kpis';
import { leadsByTile } from '../../services/api/insights/email-tile-kpis';
import {
  formInsights,
  formOverTime,
  pageGeography,
  pageInsights,
  pageOverTime,
  type PageFormFilter,
} from '../../services/api/insights/page-form-kpis';
import { pageVisits } from '../../services/api/insights/page-form-rows';
import { EXPECTED_FORM, EXPECTED_PAGE, EXPECTED_PAGE_JOURNEY, pageFormStream } from '../api/page-form-stream.fixture';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { chdbRunner } from '../support/chdb-runner';

const DB = 'cairn_page_form';
const IDS = {
  workspaceId: 'ws',
  pageId: 'p1',
  otherPageId: 'p2',
  formId: 'f1',
  emailId: 'e1',
  journeyId: 'j1',
  contacts: ['c1', 'c2'] as [string, string],
  submissions: ['s-1', 's-2', 's-3'] as [string, string, string],
};
const AT = Date.UTC(2026, 3, 1, 10, 0);

/**
 * The page and form insights, the create-lead tile's leads and Total generated leads (0150's view) on current
 * ClickHouse (chdb, no server), over the same stream and with the same expected numbers as the 18.16 stack test.
 */
describe('page and form insights on current ClickHouse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-page-form-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);
  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every page and form query with the stack test’s numbers', async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    const rows = ingestRows(pageFormStream(IDS, AT));
    session.query(
      `INSERT INTO ${DB}.events_ingest FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );
    const page: PageFormFilter = { workspaceId: 'ws', kind: 'page', id: 'p1', timeZone: 'Europe/Oslo' };
    const form: PageFormFilter = { ...page, kind: 'form', id: 'f1' };
    expect(await pageInsights(runner, page)).toEqual(EXPECTED_PAGE);
    expect(await pageInsights(runner, { ...page, journeyId: 'j1' })).toEqual(EXPECTED_PAGE_JOURNEY);
    expect(await pageOverTime(runner, page)).toEqual([
      { day: '2026-04-01', visits: 4, uniqueVisitors: 3, submissions: 2 },
    ]);
    const outside = { from: new Date(Date.UTC(2026, 3, 2)), to: new Date(Date.UTC(2026, 3, 3)) };
    expect((await pageInsights(runner, { ...page, ...outside })).visits).toBe(0);
    expect((await pageGeography(runner, page)).map((c) => [c.country, c.visits])).toEqual([
      ['DE', 2],
      ['FR', 1],
      [null, 1],
    ]);
    expect(await formInsights(runner, form)).toEqual(EXPECTED_FORM);
    expect(await formOverTime(runner, form)).toEqual([{ day: '2026-04-01', ...EXPECTED_FORM }]);
    const first = await pageVisits(runner, { ...page, machine: false, limit: 3 });
    const last = first[first.length - 1];
    const rest = await pageVisits(runner, {
      ...page,
      machine: false,
      limit: 3,
      after: last && { ms: last.ms, eventId: last.eventId },
    });
    expect([...first, ...rest].map((v) => v.eventId)).toEqual(['v4', 'v3', 'v2', 'v1']);
    expect((await pageVisits(runner, { ...page, machine: true, limit: 10 })).map((v) => v.machineReason)).toEqual([
      'scanner_ua',
    ]);
    expect(await leadsByTile(runner, { workspaceId: 'ws', journeyId: 'j1' })).toEqual(new Map([['lead', 1]]));
    // one lead of each origin: the landing-page lead and the batch post naming a message (l1, l4)
    expect((await emailInsights(runner, { workspaceId: 'ws', emailId: 'e1' })).generatedLeads).toBe(2);
  });
});
