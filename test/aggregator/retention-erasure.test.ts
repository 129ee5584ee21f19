import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { sql } from '../../lib/platform/clickhouse/sql';
import { toRawRow } from '../../services/aggregator/event-row';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import {
  contactTimeline,
  emailGeography,
  emailInsights,
  journeyTileKpis,
} from '../../services/api/insights/insights-queries';
import { eraseContact } from '../../services/api/erase-contact';
import { dropExpiredPartitions, oldestKeptMonth } from '../../services/aggregator/retention-job';
import { createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { emailEvent, tileEvent } from './aggregator-harness';
import { kpiMismatches } from './fault-harness';

const OLD = Date.UTC(2024, 0, 15);

describe('retention and erasure', () => {
  let env: TestEnv;
  const ws = uniqueName('ws');

  // Each job runs as its own ClickHouse user, as in production (issue 20, defect 3).
  let retention: ClickHouse;
  let erasure: ClickHouse;

  beforeAll(async () => {
    env = await createTestEnv('cairn_agg_retention');
    const logins = await env.clickhouseLogins();
    retention = new ClickHouse({
      url: env.settings.clickhouseUrl,
      database: env.clickhouseDatabase,
      ...logins.retention,
    });
    erasure = new ClickHouse({ url: env.settings.clickhouseUrl, database: env.clickhouseDatabase, ...logins.erasure });
  });

  afterAll(async () => {
    await Promise.allSettled([retention?.close(), erasure?.close()]);
    await env?.cleanup();
  });

  const ingest = (events: CairnEvent[]) =>
    env.clickhouse.insert(
      'events_ingest',
      events.map((event, i) => ({ ...toRawRow(event), kafka_topic: 'direct', kafka_partition: 0, kafka_offset: i })),
    );

  it('erasing a contact removes their raw events and their contribution to every KPI', async () => {
    const at = (contact: string, extra: Record<string, unknown> = {}) => ({
      workspace_id: ws,
      email_id: 'e',
      message_id: `m-${contact}`,
      contact_id: contact,
      ...extra,
    });
    await ingest([
      emailEvent('send', at('c1')),
      emailEvent('send', at('c2')),
      emailEvent('open', at('c1', { country: 'SE' })),
      emailEvent('open', at('c1', { country: 'SE' })),
      emailEvent('open', at('c2', { country: 'IT' })),
      emailEvent('click', at('c1', { link_id: 'L1', country: 'SE' })),
      tileEvent('tile_inflow', { workspace_id: ws, journey_id: 'j', tile_id: 'T', contact_id: 'c1' }),
      tileEvent('tile_inflow', { workspace_id: ws, journey_id: 'j', tile_id: 'T', contact_id: 'c2' }),
    ]);
    expect((await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e' })).openedTotal).toBe(3);

    expect(await eraseContact(erasure, { workspaceId: ws, contactId: 'c1' })).toEqual({ rawEvents: 5 });

    const kpis = await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e' });
    expect([kpis.sent, kpis.openedTotal, kpis.openedUnique, kpis.clickedTotal]).toEqual([1, 1, 1, 0]);
    expect((await journeyTileKpis(env.clickhouse, { workspaceId: ws, journeyId: 'j' }))[0]?.inflow).toBe(1);
    expect(
      (await emailGeography(env.clickhouse, { workspaceId: ws, emailId: 'e' })).map((c) => [
        c.country,
        c.openedTotal,
        c.clickedTotal,
      ]),
    ).toEqual([['IT', 1, 0]]);
    expect((await contactTimeline(env.clickhouse, { workspaceId: ws, contactId: 'c1' })).entries).toEqual([]);
    const left = await env.clickhouse.rows<{ n: string }>(
      sql`SELECT count() AS n FROM events_raw WHERE contact_id = 'c1'`,
    );
    expect(Number(left[0]?.n)).toBe(0);
    expect(await kpiMismatches(env.clickhouse)).toEqual([]);
  });

  it('drops whole months past the retention window from raw and KPI tables together', async () => {
    await ingest([
      emailEvent('open', { workspace_id: ws, email_id: 'old', message_id: 'mo', contact_id: 'c9', event_time: OLD }),
    ]);
    expect((await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'old' })).openedTotal).toBe(1);
    expect(oldestKeptMonth(new Date(Date.UTC(2026, 0, 10)), 13)).toBe(202501);

    const dropped = await dropExpiredPartitions(retention, { keepMonths: 12 });
    expect(
      dropped
        .filter((d) => d.partition === '202401')
        .map((d) => d.table)
        .sort(),
    ).toEqual(['contact_events', 'events_raw', 'kpi_email_daily', 'kpi_email_geography', 'kpi_email_tile_glossary']);
    expect((await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'old' })).openedTotal).toBe(0);
    expect((await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e' })).openedTotal).toBe(1);
    expect(await kpiMismatches(env.clickhouse)).toEqual([]);
  });
});
