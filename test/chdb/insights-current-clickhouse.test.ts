import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { raw } from '../../lib/platform/clickhouse/sql';
import { toRawRow } from '../../services/aggregator/event-row';
import {
  contactTimeline,
  contactsWhoDid,
  deliveryBreakdown,
  emailGeography,
  emailInsights,
  journeyTileKpis,
  responsesOverTime,
  topLinks,
} from '../../services/api/insights/insights-queries';
import { chdbRunner } from '../support/chdb-runner';
import { ChdbMigrationTarget } from '../../lib/platform/migrations/chdb-target';
import { readMigrations } from '../../lib/platform/migrations/migration-files';
import { migrate } from '../../lib/platform/migrations/migration-runner';
import { SQL_DIR } from '../../lib/platform/migrations/run-migrations';
import { eraseContact } from '../../services/api/erase-contact';
import { dropExpiredPartitions } from '../../services/aggregator/retention-job';
import { insertSettingsFor } from '../../services/aggregator/aggregator.app';
import {
  EXPECTED_EMAIL_KPIS,
  EXPECTED_GEOGRAPHY,
  EXPECTED_TILES,
  knownStream,
} from '../aggregator/known-stream.fixture';

const DB = 'cairn_current';

/**
 * Current ClickHouse (chdb, no server): every ClickHouse migration applies, the aggregator's insert (with the
 * settings it sends to current servers) feeds the views, and every insights query runs and returns the same
 * numbers the 18.16 test expects from the same known stream.
 */
describe('schema and insights on current ClickHouse', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-insights-'));
  const session = new Session(dir);
  const runner = chdbRunner(session, DB);

  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the migrations, takes the aggregator insert and answers every insights query', async () => {
    await migrate(new ChdbMigrationTarget(session, DB), readMigrations(join(SQL_DIR, 'clickhouse')));
    const stream = knownStream('ws');
    const all = [...stream.events, ...stream.v1Events];
    const rows = all.map((event, i) => ({ ...toRawRow(event), kafka_topic: 't', kafka_partition: 0, kafka_offset: i }));
    const settings = await insertSettingsFor(runner);
    expect(settings).toMatchObject({ input_format_parallel_parsing: 0 });
    const settingText = Object.entries(settings)
      .map(([key, value]) => `${key} = ${value}`)
      .join(', ');
    session.query(
      `INSERT INTO ${DB}.events_ingest SETTINGS ${settingText} FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}`,
    );

    const filter = { workspaceId: 'ws', emailId: 'e1' };
    expect(await emailInsights(runner, filter)).toEqual(EXPECTED_EMAIL_KPIS);
    expect(
      (await emailInsights(runner, { ...filter, journeyId: 'j1', emailVersion: 1, from: new Date(0), to: new Date() }))
        .sent,
    ).toBe(3);
    expect(await deliveryBreakdown(runner, filter)).toMatchObject({
      targeted: 6,
      sent: 4,
      delivered: 2,
      bounced: { total: 2 },
    });
    expect((await topLinks(runner, filter)).map((link) => [link.linkId, link.clickThroughRate])).toEqual([
      ['L1', 1],
      ['L2', 0.5],
    ]);
    expect((await responsesOverTime(runner, filter)).map((day) => [day.opened, day.clicked])).toEqual([
      [1, 0],
      [0, 1],
      [2, 3],
    ]);
    expect(await emailGeography(runner, filter)).toEqual(EXPECTED_GEOGRAPHY);
    const c2 = { ...filter, contactIds: ['c2'] }; // the account filter: the view's SELECT over those contacts' raw events
    expect((await emailGeography(runner, c2)).map((c) => [c.country, c.openedUnique, c.clickedUnique])).toEqual([
      ['FR', 1, 0],
      [null, 0, 1],
    ]);
    expect(await journeyTileKpis(runner, { workspaceId: 'ws', journeyId: 'j1' })).toEqual(EXPECTED_TILES);
    expect((await contactTimeline(runner, { workspaceId: 'ws', contactId: 'c1', from: new Date(0) })).byType.open).toBe(
      2,
    );
    expect(
      await contactsWhoDid(runner, { workspaceId: 'ws', eventType: 'open', emailId: 'e1', withinDays: 1 }),
    ).toEqual(['c1', 'c2']);
    const ledger = await runner.rows<{ o: string }>(raw.trusted('SELECT maxMerge(max_offset) AS o FROM kafka_offsets'));
    expect(Number(ledger[0]?.o)).toBe(all.length - 1);
  });

  it('erases a contact and drops expired months with the same SQL as on 18.16', async () => {
    const filter = { workspaceId: 'ws', emailId: 'e1' };
    await eraseContact(runner, { workspaceId: 'ws', contactId: 'c1' });
    const kpis = await emailInsights(runner, filter);
    expect([kpis.sent, kpis.openedTotal, kpis.openedUnique, kpis.clickedTotal, kpis.generatedLeads]).toEqual([
      3, 1, 1, 1, 0,
    ]);
    expect((await emailGeography(runner, filter)).map((c) => [c.country, c.openedTotal, c.clickedTotal])).toEqual([
      ['FR', 1, 0],
      [null, 0, 1],
    ]);
    expect((await contactTimeline(runner, { workspaceId: 'ws', contactId: 'c1' })).entries).toEqual([]);

    const dropped = await dropExpiredPartitions(runner, { keepMonths: 1, now: new Date(Date.UTC(2100, 0, 1)) });
    expect(new Set(dropped.map((d) => d.table))).toEqual(
      new Set([
        'events_raw',
        'kpi_email_daily',
        'kpi_tile_daily',
        'kpi_tile_glossary',
        'kpi_email_geography',
        'kpi_email_tile_glossary',
        'contact_events',
      ]),
    );
    expect((await emailInsights(runner, filter)).sent).toBe(0);
  });
});
