import { DateTime } from 'luxon';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

/** A zone far from UTC, so that a day taken in UTC instead of the workspace's would show as the wrong date. */
const ZONE = 'Pacific/Kiritimati';
const today = (): string => DateTime.now().setZone(ZONE).toISODate() ?? '';

interface Day {
  day: string;
  entered: number;
  exited: number;
  members: number | null;
}

async function workspace(name: string) {
  const ws = await createWorkspace(kit, name);
  const api = client(kit, ws.key);
  expect((await api('PATCH', '/v1/workspace', { time_zone: ZONE })).statusCode).toBe(200);
  const contact = async (email: string, city: string): Promise<string> =>
    (await api('POST', '/v1/contacts', { email, attributes: { city } })).json().id as string;
  const insights = async (segmentId: string, query = '') => {
    const res = await api('GET', `/v1/insights/segments/${segmentId}${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ member_count: number; from: string; to: string; days: Day[]; journeys: unknown[] }>();
  };
  const lastDay = async (segmentId: string): Promise<Day | undefined> => (await insights(segmentId)).days.at(-1);
  return { ws, api, contact, insights, lastDay };
}

describe('segment insights', () => {
  it("counts a dynamic segment's entries and exits per day across refreshes, and erasure as an exit", async () => {
    const { api, contact, insights, lastDay } = await workspace('seg-dyn');
    const [a, b] = [await contact('a@d.test', 'Oslo'), await contact('b@d.test', 'Oslo')];
    await contact('c@d.test', 'Rome');
    const segment = (
      await api('POST', '/v1/segments', {
        name: 'Oslo',
        kind: 'dynamic',
        definition: { field: 'attributes.city', op: 'eq', value: 'Oslo' },
      })
    ).json().id as string;
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 0, exited: 0, members: 0 });

    expect((await api('POST', `/v1/segments/${segment}/refresh`)).json()).toMatchObject({ added: 2, removed: 0 });
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 2, exited: 0, members: 2 });

    // b moves away, d arrives: the second refresh moves one each way; a third changes nothing and counts nothing
    expect((await api('PATCH', `/v1/contacts/${b}`, { attributes: { city: 'Rome' } })).statusCode).toBe(200);
    const d = await contact('d@d.test', 'Oslo');
    expect((await api('POST', `/v1/segments/${segment}/refresh`)).json()).toMatchObject({ added: 1, removed: 1 });
    expect((await api('POST', `/v1/segments/${segment}/refresh`)).json()).toMatchObject({ added: 0, removed: 0 });
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 3, exited: 1, members: 2 });

    // erasure takes the contact out of every segment: an exit, so members stays the count of segment_members
    expect((await api('POST', `/v1/contacts/${a}/erasure`)).statusCode).toBe(200);
    const after = await insights(segment);
    expect(after.days.at(-1)).toEqual({ day: today(), entered: 3, exited: 2, members: 1 });
    expect(after.member_count).toBe(1);
    const members = (await api('GET', `/v1/segments/${segment}/members`)).json().items as Array<{ id: string }>;
    expect(members.map((m) => m.id)).toEqual([d]);

    // 30 days ending today by default; days before the segment existed are not counted (null), not zero
    expect(after.days).toHaveLength(30);
    expect(after.to).toBe(today());
    expect(after.days[0]).toEqual({ day: after.from, entered: 0, exited: 0, members: null });
  });

  it('counts static adds and removals once: a replayed add or a second removal counts nothing', async () => {
    const { api, contact, lastDay } = await workspace('seg-static');
    const [a, b, c] = [await contact('a@s.test', 'x'), await contact('b@s.test', 'x'), await contact('c@s.test', 'x')];
    const segment = (await api('POST', '/v1/segments', { name: 'Picked', kind: 'static' })).json().id as string;
    const add = async (ids: string[]) =>
      (await api('POST', `/v1/segments/${segment}/members`, { contact_ids: ids })).json().added as number;
    expect(await add([a, b])).toBe(2);
    expect(await add([a, b])).toBe(0); // the same add replayed
    expect(await add([b, c])).toBe(1);
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 3, exited: 0, members: 3 });
    expect((await api('DELETE', `/v1/segments/${segment}/members/${b}`)).statusCode).toBe(204);
    expect((await api('DELETE', `/v1/segments/${segment}/members/${b}`)).statusCode).toBe(404);
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 3, exited: 1, members: 2 });
    // a deleted contact leaves its segments (the foreign key's cascade): an exit too
    expect((await api('DELETE', `/v1/contacts/${c}`)).statusCode).toBe(204);
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 3, exited: 2, members: 1 });
  });

  it('counts concurrent adds exactly, and starts a new day from the last counted day', async () => {
    const { ws, api, contact, insights, lastDay } = await workspace('seg-days');
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push(await contact(`c${i}@days.test`, 'x'));
    const segment = (await api('POST', '/v1/segments', { name: 'Busy', kind: 'static' })).json().id as string;
    // overlapping adds at once: each contact enters once, whichever request inserted it
    const added = await Promise.all(
      [0, 2, 4, 6, 8].map(
        async (at) =>
          (await api('POST', `/v1/segments/${segment}/members`, { contact_ids: ids.slice(at, at + 4) })).json()
            .added as number,
      ),
    );
    expect(added.reduce((a, b) => a + b, 0)).toBe(12);
    expect(await lastDay(segment)).toEqual({ day: today(), entered: 12, exited: 0, members: 12 });

    // as if those changes were counted three days ago: today's first change starts from that day's members
    await kit.pool.query('UPDATE segment_member_days SET day = day - 3 WHERE workspace_id = $1 AND segment_id = $2', [
      ws.id,
      segment,
    ]);
    expect((await api('DELETE', `/v1/segments/${segment}/members/${ids[0]}`)).statusCode).toBe(204);
    const days = (await insights(segment)).days.slice(-4);
    expect(days.map(({ entered, exited, members }) => ({ entered, exited, members }))).toEqual([
      { entered: 12, exited: 0, members: 12 },
      { entered: 0, exited: 0, members: 12 }, // no change: carried forward
      { entered: 0, exited: 0, members: 12 },
      { entered: 0, exited: 1, members: 11 },
    ]);
  });

  it("lists the journeys that use the segment and how, and answers 404 to another workspace's key", async () => {
    const { api, insights } = await workspace('seg-journeys');
    const seg = async (name: string) =>
      (await api('POST', '/v1/segments', { name, kind: 'static' })).json().id as string;
    const [used, other] = [await seg('Used'), await seg('Other')];
    const journey = async (name: string, tiles: unknown[], suppression: string | null) => {
      const res = await api('POST', '/v1/journeys', {
        name,
        graph: { tiles: [...tiles, { id: 'end', type: 'end' }] },
        settings: { suppression_segment_id: suppression },
      });
      expect(res.statusCode).toBe(201);
      return res.json().id as string;
    };
    const entry = (id: string, include: string[], exclude: string[] = []) => ({
      id,
      type: 'segment',
      next: ['end'],
      config: { segment_ids: include, combine: 'union', exclude_segment_ids: exclude },
    });
    const both = await journey('A both', [entry('in', [used]), entry('out', [other], [used])], used);
    const suppressed = await journey('B suppression', [entry('in', [other])], used);
    await journey('C unrelated', [entry('in', [other])], other);
    const status = (await api('GET', `/v1/journeys/${both}`)).json().status as string;
    expect((await insights(used)).journeys).toEqual([
      {
        id: both,
        name: 'A both',
        status,
        uses: [
          { how: 'entry', tile_id: 'in' },
          { how: 'exclusion', tile_id: 'out' },
          { how: 'suppression', tile_id: null },
        ],
      },
      { id: suppressed, name: 'B suppression', status, uses: [{ how: 'suppression', tile_id: null }] },
    ]);

    const stranger = client(kit, (await createWorkspace(kit, 'seg-stranger')).key);
    expect((await stranger('GET', `/v1/insights/segments/${used}`)).statusCode).toBe(404);
    const bad = await api('GET', `/v1/insights/segments/${used}?from=2026-01-01&to=2027-06-01`);
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('querystring.from');
  });
});
