import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { sql } from '../../lib/platform/clickhouse/sql';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';
import { seedPagesAndForms } from './page-form-seed';
import { EXPECTED_FORM, EXPECTED_PAGE, EXPECTED_PAGE_JOURNEY } from './page-form-stream.fixture';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

/** An independent recount straight from events_raw, by distinct event id. */
async function recount(workspaceId: string, pageId: string, eventType: string): Promise<number> {
  const rows = await kit.env.clickhouse.rows<{ n: string }>(sql`
    SELECT uniqExact(event_id) AS n FROM events_raw
    WHERE workspace_id = ${workspaceId} AND machine = 0 AND event_type = ${eventType}
      AND detail LIKE ${`%"page_id":"${pageId}"%`}`);
  return Number(rows[0]?.n);
}

describe('page and form insights', () => {
  it('count visits, visitors, submissions and outcomes from a known stream, with their rows, CSV and tenancy', async () => {
    const ws = await createWorkspace(kit, 'page-form');
    const api = client(kit, ws.key);
    const ids = await seedPagesAndForms(kit, ws);
    const page = `/v1/insights/pages/${ids.pageId}`;
    const form = `/v1/insights/forms/${ids.formId}`;

    expect((await api('GET', page)).json()).toEqual(EXPECTED_PAGE);
    expect((await api('GET', `${page}?journey_id=${ids.journeyId}`)).json()).toEqual(EXPECTED_PAGE_JOURNEY);
    expect((await api('GET', form)).json()).toEqual(EXPECTED_FORM);
    // the same numbers recounted from the raw events by distinct event id
    expect(await recount(ws.id, ids.pageId, 'page_visited')).toBe(EXPECTED_PAGE.visits);
    expect(await recount(ws.id, ids.pageId, 'form_submitted')).toBe(EXPECTED_PAGE.submissions);
    const today = new Date().toISOString().slice(0, 10);
    expect((await api('GET', `${page}/responses`)).json().items).toEqual([
      { day: today, visits: 4, uniqueVisitors: 3, submissions: 2 },
    ]);
    expect((await api('GET', `${page}?from=2001-01-01&to=2001-01-31`)).json()).toMatchObject({ visits: 0 });
    expect((await api('GET', `${page}/geography`)).json().items).toEqual([
      { country: 'DE', visits: 2, uniqueVisitors: 1 },
      { country: 'FR', visits: 1, uniqueVisitors: 1 },
      { country: null, visits: 1, uniqueVisitors: 1 },
    ]);
    expect((await api('GET', `${form}/responses`)).json().items).toEqual([{ day: today, ...EXPECTED_FORM }]);

    // Total generated leads: one lead of each origin; only those naming a message count for the email
    expect((await api('GET', `/v1/insights/emails/${ids.emailId}`)).json().generatedLeads).toBe(2);

    // the create-lead tile's lead (origin tile) on the journey's Data panel, beside the tile's Volume
    const inflow: CairnEvent = {
      type: 'tile_inflow',
      data: {
        ...{ event_id: 't1', event_time: Date.now(), workspace_id: ws.id, contact_id: ids.contacts[0] },
        ...{ journey_id: ids.journeyId, tile_id: 'lead', tile_type: 'create_lead' },
      },
    };
    await kit.env.clickhouse.insert('events_ingest', ingestRows([inflow]));
    const tiles = (await api('GET', `/v1/insights/journeys/${ids.journeyId}/tiles`)).json().items;
    expect(tiles).toEqual([expect.objectContaining({ tileId: 'lead', inflow: 1, leadsGenerated: 1 })]);

    // the rows behind the numbers: keyset pages, newest first; machine traffic listed apart
    const first = (await api('GET', `${page}/visits?limit=3`)).json();
    expect(first.items).toHaveLength(3);
    const second = (await api('GET', `${page}/visits?limit=3&cursor=${first.next_cursor}`)).json();
    expect([second.items.length, second.next_cursor]).toEqual([1, null]);
    const visitIds = [...first.items, ...second.items].map((v: { eventId: string }) => v.eventId).sort();
    expect(visitIds).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect((await api('GET', `${page}/visits?machine=true`)).json().items).toEqual([
      expect.objectContaining({ eventId: 'v5', machine: true, machineReason: 'scanner_ua', country: 'DE' }),
    ]);
    const pageSubs = (await api('GET', `${page}/submissions`)).json().items;
    expect(pageSubs.map((s: { submissionId: string }) => s.submissionId)).toEqual(ids.submissions.slice(0, 2));
    const formSubs = (await api('GET', `${form}/submissions?limit=2`)).json();
    const rest = (await api('GET', `${form}/submissions?limit=2&cursor=${formSubs.next_cursor}`)).json();
    expect([...formSubs.items, ...rest.items].map((s: { submissionId: string }) => s.submissionId)).toEqual(
      ids.submissions,
    );
    expect(rest.items[0]).toMatchObject({ pageId: null, fields: { email: 'b@pf.test', lists: ['l1'] } });

    // CSV: one column per field; formula-like text neutralised
    const csv = await api('GET', `${form}/submissions.csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'submission_id,at,form_id,form_version,page_id,contact_id,contact_outcome,lead_outcome,confirmation_pending,journey_id,message_id,country,field:company,field:email,field:first_name,field:lists',
    );
    expect(lines).toHaveLength(4);
    expect(csv.body).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv.body).toContain('"[""l1""]"');
    const visitsCsv = (await api('GET', `${page}/visits.csv`)).body.trim().split('\n');
    expect(visitsCsv).toHaveLength(5);

    // tenancy: another workspace's page and form are 404, every sub-resource too
    const other = client(kit, (await createWorkspace(kit, 'page-form-other')).key);
    for (const url of [page, `${page}/visits`, `${page}/submissions.csv`, form, `${form}/submissions`])
      expect((await other('GET', url)).statusCode).toBe(404);
    // bad input: a 400 naming the field
    const bad = await api('GET', `${page}?journey_id=nope`);
    expect([bad.statusCode, bad.json().errors[0].field]).toEqual([400, 'querystring.journey_id']);
    const cursor = await api('GET', `${form}/submissions?cursor=${Buffer.from('["x","y"]').toString('base64url')}`);
    expect([cursor.statusCode, cursor.json().errors[0].field]).toEqual([400, 'querystring.cursor']);
  });
});
