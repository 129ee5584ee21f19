import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { raw } from '../../lib/platform/clickhouse/sql';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import {
  expectAbPanels,
  expectEveryDashboardQuery,
  expectHostileVariablesMatchNothing,
  expectTileSplit,
  loadDashboardFixture,
  type DashboardDb,
} from '../dashboards/dashboard-assertions';
import { chdbRunner } from '../support/chdb-runner';

const DB = 'cairn_dashboards';

/** The same dashboard queries and expected numbers as test/dashboards on 18.16, on current ClickHouse (chdb). */
describe('dashboard queries on current ClickHouse (chdb)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-dashboards-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);
  const db: DashboardDb = {
    ...runner,
    insert: async (table, rows) => {
      session.query(
        `INSERT INTO ${DB}.${table} FORMAT JSONEachRow\n${rows.map((row) => JSON.stringify(row)).join('\n')}`,
      );
    },
    query: (text) => runner.rows(raw.trusted(text)),
  };
  let ingestRows = 0;

  beforeAll(async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    ingestRows = await loadDashboardFixture(db);
  });

  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every panel and variable with the numbers the KPI definitions and the fixture give', async () => {
    await expectEveryDashboardQuery(db, ingestRows);
  });

  it('splits an email used by two tiles of one journey by the tile filter', async () => {
    await expectTileSplit(db);
  });

  it("shows an A/B test tile's variants and its decision once", async () => {
    await expectAbPanels(db);
  });

  it('keeps a hostile variable value a value', async () => {
    await expectHostileVariablesMatchNothing(db);
  });
});
