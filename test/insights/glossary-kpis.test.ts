import { createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import {
  expectContactSubset,
  expectGlossaryKpis,
  expectRebuildFromRaw,
  expectRecipientsMatchKpis,
  expectTileContactsMatchKpis,
  expectWorkspaceDays,
} from './glossary-assertions';
import { glossaryStream, ingestRows } from './glossary-stream.fixture';
import { expectTileSplit, tileSplitStream } from './tile-split.fixture';

/** The glossary stream on ClickHouse 18.16, through the aggregator's insert target (events_ingest and its views). */
describe('glossary KPIs on ClickHouse 18.16', () => {
  let env: TestEnv;
  const ws = uniqueName('ws');

  beforeAll(async () => {
    env = await createTestEnv('cairn_glossary');
    await env.clickhouse.insert('events_ingest', ingestRows([...glossaryStream(ws), ...tileSplitStream(ws)]));
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('counts every glossary case as docs/kpis.md defines it', async () => {
    await expectGlossaryKpis(env.clickhouse, ws);
  });

  it('counts days in the workspace time zone', async () => {
    await expectWorkspaceDays(env.clickhouse, ws);
  });

  it("rebuilds the glossary tables from the raw events with the views' own SELECTs", async () => {
    await expectRebuildFromRaw(env.clickhouse, ws);
  });

  it('lists the recipients behind every KPI, keyset-paged, and a message timeline', async () => {
    await expectRecipientsMatchKpis(env.clickhouse, ws);
  });

  it('lists the contacts in each tile state per iteration, as the tile KPIs count them', async () => {
    await expectTileContactsMatchKpis(env.clickhouse, ws);
  });

  it('splits an email used by two tiles of one journey into two cards adding up to the journey, every ARF type counted as its rule says', async () => {
    await expectTileSplit(env.clickhouse, ws);
  });

  it('filters every KPI to a set of contacts (an account) with the same definitions', async () => {
    await expectContactSubset(env.clickhouse, ws);
  });
});
