import { parse } from 'csv-parse/sync';
import { glossaryStream, ingestRows } from '../insights/glossary-stream.fixture';
import { client, createWorkspace, startApiKit, type ApiKit, type Reply } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

/** The glossary stream (test/insights) for a real workspace and email of the API. */
async function seededEmail(name: string, contacts: Record<string, string> = {}) {
  const ws = await createWorkspace(kit, name);
  const api = client(kit, ws.key);
  const email = (await api('POST', '/v1/emails', { name: 'Glossary' })).json().id as string;
  const rows = ingestRows(glossaryStream(ws.id)).map((row) => ({
    ...row,
    email_id: row.email_id && email,
    contact_id: contacts[row.contact_id] ?? row.contact_id,
  }));
  await kit.env.clickhouse.insert('events_ingest', rows);
  return { ws, api, email };
}

/** Follows next_cursor (JSON) or x-next-cursor (CSV) to the end; returns every page. */
async function allPages(get: (cursor: string) => Promise<Reply>): Promise<Reply[]> {
  const pages: Reply[] = [];
  let cursor = '';
  do {
    const page = await get(cursor);
    expect(page.statusCode).toBe(200);
    pages.push(page);
    cursor =
      (page.headers.get('content-type')?.startsWith('text/csv')
        ? page.headers.get('x-next-cursor')
        : page.json().next_cursor) ?? '';
  } while (cursor);
  return pages;
}

describe('Interactions drill-down', () => {
  it('lists the recipients of each KPI, keyset-paged, as JSON and CSV, with a message timeline', async () => {
    const { api, email } = await seededEmail('interactions');
    const base = `/v1/insights/emails/${email}/recipients`;
    expect((await api('GET', `${base}?kpi=opened`)).json()).toEqual({
      items: [
        {
          contactId: 'c-m3',
          messageId: 'm3',
          firstAt: '2026-03-01 23:30:00',
          lastAt: '2026-03-01 23:30:00',
          events: 2,
          units: 2,
          details: [],
        },
      ],
      next_cursor: null,
    });
    expect((await api('GET', `${base}?kpi=clicked&link_id=L2`)).json().items).toEqual([
      expect.objectContaining({ messageId: 'm3', events: 1 }),
    ]);
    expect(
      (await api('GET', `${base}?kpi=complained`)).json().items.map((r: { messageId: string }) => r.messageId),
    ).toEqual(['m6', 'm8']);

    const pages = await allPages((cursor) =>
      api('GET', `${base}?kpi=sent&limit=4${cursor ? `&cursor=${cursor}` : ''}`),
    );
    expect(pages.map((p) => p.json().items.length)).toEqual([4, 4, 2]);
    const sent = pages.flatMap((p) => p.json().items.map((r: { messageId: string }) => r.messageId));
    expect(new Set(sent)).toEqual(new Set(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm11', 'm12']));
    expect((await api('GET', `/v1/insights/emails/${email}`)).json().sent).toBe(sent.length);

    const csvPages = await allPages((cursor) =>
      api('GET', `${base}.csv?kpi=sent&limit=3${cursor ? `&cursor=${cursor}` : ''}`),
    );
    const csvRows = csvPages.flatMap((p) => (parse(p.body) as string[][]).slice(1));
    expect(csvPages.map((p) => (parse(p.body) as string[][])[0])).toEqual(
      Array(4).fill(['contact_id', 'message_id', 'first_at', 'last_at', 'events', 'units', 'details']),
    );
    expect(csvRows.map((row) => row[1])).toEqual(sent);
    const forwarded = parse((await api('GET', `${base}.csv?kpi=forwarded`)).body) as string[][];
    expect(forwarded[1]).toEqual(['c-m3', 'm3', '2026-03-01 23:30:00', '2026-03-01 23:30:00', '1', '5', '']);

    const timeline = (await api('GET', `/v1/insights/emails/${email}/messages/m1/timeline`)).json().items;
    expect(timeline.map((e: { eventType: string }) => e.eventType)).toEqual(
      expect.arrayContaining(['send', 'bounce', 'bounce']),
    );
    expect(timeline).toHaveLength(3);
    expect((await api('GET', `/v1/insights/emails/${email}/messages/nope/timeline`)).statusCode).toBe(404);
    expect((await api('GET', `${base}?kpi=opened&cursor=not-a-cursor`)).statusCode).toBe(400);
    expect((await api('GET', `${base}?kpi=everything`)).statusCode).toBe(400);
  });

  it("answers 404 for another workspace's email and message", async () => {
    const { email } = await seededEmail('owner');
    const other = client(kit, (await createWorkspace(kit, 'intruder')).key);
    for (const url of [
      `/v1/insights/emails/${email}/recipients?kpi=sent`,
      `/v1/insights/emails/${email}/recipients.csv?kpi=sent`,
      `/v1/insights/emails/${email}/messages/m1/timeline`,
    ])
      expect([url, (await other('GET', url)).statusCode]).toEqual([url, 404]);
  });

  it("counts days in the workspace's time zone once it is set", async () => {
    const { api, email } = await seededEmail('zoned');
    const march2 = `/v1/insights/emails/${email}?from=2026-03-02&to=2026-03-02`;
    expect((await api('GET', march2)).json().sent).toBe(0);
    expect((await api('GET', '/v1/workspace')).json()).toMatchObject({ time_zone: 'UTC' });
    expect((await api('PATCH', '/v1/workspace', { time_zone: 'Mars/Base' })).statusCode).toBe(400);
    expect((await api('PATCH', '/v1/workspace', { time_zone: 'Europe/Oslo' })).json()).toMatchObject({
      time_zone: 'Europe/Oslo',
    });
    expect((await api('GET', march2)).json().sent).toBe(10);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/responses`)).json().items.map((d: { day: string }) => d.day),
    ).toEqual(['2026-03-02']);
    expect(
      (
        await api(
          'GET',
          `${`/v1/insights/emails/${email}/recipients`}?kpi=sent&from=2026-03-02&to=2026-03-02&limit=500`,
        )
      ).json().items,
    ).toHaveLength(10);
  });

  it("filters email insights and their recipients by account, and answers 404 for another workspace's account", async () => {
    const { api, email, ws } = await seededEmail('accounts');
    const account = (await api('POST', '/v1/accounts', { name: 'Acme' })).json().id as string;
    const member = (await api('POST', '/v1/contacts', { email: 'm3@acme.test', account_id: account })).json()
      .id as string;
    // the stream's engaged recipient (m3) becomes the account's contact
    const rows = ingestRows(glossaryStream(ws.id))
      .filter((row) => row.message_id === 'm3')
      .map((row) => ({ ...row, email_id: email, contact_id: member, event_id: `${row.event_id}-acct` }));
    await kit.env.clickhouse.insert('events_ingest', rows);
    const card = (await api('GET', `/v1/insights/emails/${email}?account_id=${account}`)).json();
    expect(card).toMatchObject({
      sent: 1,
      delivered: 1,
      openedUnique: 1,
      clickedTotal: 3,
      forwarded: 5,
      unsubscribed: 1,
      bouncedTotal: 0,
    });
    expect((await api('GET', `/v1/insights/emails/${email}`)).json().sent).toBe(10);
    expect(
      (await api('GET', `/v1/insights/emails/${email}/recipients?kpi=opened&account_id=${account}`))
        .json()
        .items.map((r: { contactId: string }) => r.contactId),
    ).toEqual([member]);
    expect((await api('GET', `/v1/insights/emails/${email}/links?account_id=${account}`)).json().items).toHaveLength(2);

    const foreign = client(kit, (await createWorkspace(kit, 'accounts-other')).key);
    const foreignAccount = (await foreign('POST', '/v1/accounts', { name: 'Other' })).json().id as string;
    expect((await api('GET', `/v1/insights/emails/${email}?account_id=${foreignAccount}`)).statusCode).toBe(404);
  });
});
