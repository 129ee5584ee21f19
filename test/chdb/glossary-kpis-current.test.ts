import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { chdbRunner } from '../support/chdb-runner';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import {
  expectContactSubset,
  expectGlossaryKpis,
  expectRebuildFromRaw,
  expectRecipientsMatchKpis,
  expectTileContactsMatchKpis,
  expectWorkspaceDays,
} from '../insights/glossary-assertions';
import { glossaryStream, ingestRows } from '../insights/glossary-stream.fixture';
import { expectTileSplit, tileSplitStream } from '../insights/tile-split.fixture';

const DB = 'cairn_glossary';

describe('glossary KPIs on current ClickHouse (chdb)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-glossary-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);

  beforeAll(async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    const rows = ingestRows([...glossaryStream('ws'), ...tileSplitStream('ws')]);
    session.query(
      `INSERT INTO ${DB}.events_ingest FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );
  });

  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts every glossary case as docs/kpis.md defines it', async () => {
    await expectGlossaryKpis(runner, 'ws');
  });

  it('counts days in the workspace time zone', async () => {
    await expectWorkspaceDays(runner, 'ws');
  });

  it("rebuilds the glossary tables from the raw events with the views' own SELECTs", async () => {
    await expectRebuildFromRaw(runner, 'ws');
  });

  it('lists the recipients behind every KPI, keyset-paged, and a message timeline', async () => {
    await expectRecipientsMatchKpis(runner, 'ws');
  });

  it('lists the contacts in each tile state per iteration, as the tile KPIs count them', async () => {
    await expectTileContactsMatchKpis(runner, 'ws');
  });

  it('splits an email used by two tiles of one journey into two cards adding up to the journey', async () => {
    await expectTileSplit(runner, 'ws');
  });

  it('filters every KPI to a set of contacts (an account) with the same definitions', async () => {
    await expectContactSubset(runner, 'ws');
  });
});
