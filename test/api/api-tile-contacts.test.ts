import { parse } from 'csv-parse/sync';
import { glossaryStream, ingestRows } from '../insights/glossary-stream.fixture';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

/** The glossary stream's journey (tiles S and T, contacts c1-c3 re-entering) for a real workspace, journey and contacts. */
async function seededJourney(name: string) {
  const ws = await createWorkspace(kit, name);
  const api = client(kit, ws.key);
  const contacts: Record<string, string> = {};
  for (const c of ['c1', 'c2', 'c3'])
    contacts[c] = (await api('POST', '/v1/contacts', { email: `${c}@${name}.test` })).json().id as string;
  const graph = {
    tiles: [
      { id: 'S', type: 'segment', next: ['T'], config: {} },
      { id: 'T', type: 'trigger', next: [], config: {} },
    ],
  };
  const journey = (await api('POST', '/v1/journeys', { name: 'Recurring', graph })).json().id as string;
  const rows = ingestRows(glossaryStream(ws.id))
    .filter((row) => row.event_type.startsWith('tile_'))
    .map((row) => ({ ...row, journey_id: journey, contact_id: contacts[row.contact_id] ?? row.contact_id }));
  await kit.env.clickhouse.insert('events_ingest', rows);
  return { api, journey, contacts };
}

describe('journey-tile drill-down', () => {
  it('lists the contacts in each tile state, keyset-paged, as JSON and CSV, and saves a list as a static segment', async () => {
    const { api, journey, contacts } = await seededJourney('tiles');
    const base = `/v1/insights/journeys/${journey}/tiles`;
    expect((await api('GET', `/v1/insights/journeys/${journey}/tiles`)).json().items).toEqual([
      expect.objectContaining({ tileId: 'S', inflow: 4, blocked: 1, failed: 1, processed: 2, processing: 0 }),
      expect.objectContaining({ tileId: 'T', inflow: 3, processing: 3, paths: { yes: 2, no: 1 } }),
    ]);
    expect((await api('GET', `${base}/S/contacts?state=blocked`)).json()).toEqual({
      items: [{ contactId: contacts.c1, iteration: 2, at: '2026-03-01 23:30:00', details: ['unsubscribed'] }],
      next_cursor: null,
    });
    const first = (await api('GET', `${base}/S/contacts?state=inflow&limit=3`)).json();
    expect(first.items).toHaveLength(3);
    const second = (await api('GET', `${base}/S/contacts?state=inflow&limit=3&cursor=${first.next_cursor}`)).json();
    expect([second.items.length, second.next_cursor]).toEqual([1, null]);
    const keys = [...first.items, ...second.items].map(
      (r: { contactId: string; iteration: number }) => `${r.contactId}/${r.iteration}`,
    );
    expect(new Set(keys).size).toBe(4);
    expect(
      (await api('GET', `${base}/T/contacts?state=path&path_id=no`))
        .json()
        .items.map((r: { contactId: string }) => r.contactId),
    ).toEqual([contacts.c2]);

    const csv = await api('GET', `${base}/S/contacts.csv?state=inflow&limit=2`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((parse(csv.body) as string[][])[0]).toEqual(['contact_id', 'iteration', 'at', 'details']);
    expect(parse(csv.body)).toHaveLength(3);
    const next = await api(
      'GET',
      `${base}/S/contacts.csv?state=inflow&limit=2&cursor=${csv.headers.get('x-next-cursor')}`,
    );
    expect(parse(next.body)).toHaveLength(3);
    expect(next.headers.get('x-next-cursor')).toBeNull();

    const saved = await api('POST', `${base}/T/segments`, { name: 'Took yes', state: 'path', path_id: 'yes' });
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ name: 'Took yes', kind: 'static', member_count: 1 });
    const members = (await api('GET', `/v1/segments/${saved.json().id}/members`))
      .json()
      .items.map((m: { contact_id: string }) => m.contact_id);
    expect(members).toEqual([contacts.c1]);
    const entered = (await api('POST', `${base}/S/segments`, { name: 'Entered S', state: 'inflow' })).json();
    expect(entered.member_count).toBe(3);
    const all = (await api('GET', `/v1/segments/${entered.id}/members`))
      .json()
      .items.map((m: { contact_id: string }) => m.contact_id);
    expect(new Set(all)).toEqual(new Set(Object.values(contacts)));

    expect((await api('GET', `${base}/nope/contacts?state=inflow`)).statusCode).toBe(404);
    expect((await api('GET', `${base}/S/contacts?state=everything`)).statusCode).toBe(400);
    expect((await api('GET', `${base}/S/contacts?state=inflow&cursor=bad`)).statusCode).toBe(400);
  });

  it("answers 404 for another workspace's journey and creates no segment there", async () => {
    const { journey } = await seededJourney('tile-owner');
    const other = client(kit, (await createWorkspace(kit, 'tile-intruder')).key);
    const base = `/v1/insights/journeys/${journey}/tiles/S`;
    expect((await other('GET', `${base}/contacts?state=inflow`)).statusCode).toBe(404);
    expect((await other('GET', `${base}/contacts.csv?state=inflow`)).statusCode).toBe(404);
    expect((await other('POST', `${base}/segments`, { name: 'stolen', state: 'inflow' })).statusCode).toBe(404);
    expect((await other('GET', '/v1/segments')).json().items).toEqual([]);
  });
});
