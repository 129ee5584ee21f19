import { raw } from '../../lib/platform/clickhouse/sql';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { expectAbPanels, expectEveryDashboardQuery, expectHostileVariablesMatchNothing, expectTileSplit, loadDashboardFixture, type DashboardDb } from './dashboard-assertions';

/** Every Grafana dashboard query (dashboards/*.json) on ClickHouse 18.16, over the known dashboard fixture. */
describe('dashboard queries on ClickHouse 18.16', () => {
  let env: TestEnv;
  let db: DashboardDb;
  let ingestRows = 0;

  beforeAll(async () => {
    env = await createTestEnv('cairn_dash');
    const ch = env.clickhouse;
    db = {
      rows: (query) => ch.rows(query),
      exec: (statement) => ch.exec(statement),
      insert: (table, rows) => ch.insert(table, rows),
      query: (text) => ch.rows(raw.trusted(text)),
    };
    ingestRows = await loadDashboardFixture(db);
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('answers every panel and variable with the numbers the KPI definitions and the fixture give', async () => {
    await expectEveryDashboardQuery(db, ingestRows);
  });

  it('splits an email used by two tiles of one journey by the tile filter', async () => {
    await expectTileSplit(db);
  });

  it('shows an A/B test tile\'s variants and its decision once', async () => {
    await expectAbPanels(db);
  });

  it('keeps a hostile variable value a value', async () => {
    await expectHostileVariablesMatchNothing(db);
  });
});
