import { client, createWorkspace, startApiKit, type ApiKit, type Reply } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

type Api = ReturnType<typeof client>;
const idOf = async (reply: Promise<Reply>): Promise<string> => {
  const res = await reply;
  expect([res.statusCode, res.body]).toEqual([201, expect.any(String)]);
  return res.json().id as string;
};
const ids = async (api: Api, url: string): Promise<string[]> => {
  const res = await api('GET', url);
  expect([url, res.statusCode]).toEqual([url, 200]);
  return res.json().items.map((row: { id: string }) => row.id);
};

describe('users, task and lead owners and statuses', () => {
  it('changes status only along the allowed transitions and owners only to users of the workspace', async () => {
    const ws = await createWorkspace(kit, 'sales');
    const api = client(kit, ws.key);
    const ann = await idOf(api('POST', '/v1/users', { email: 'ann@cairn.example', name: 'Ann' }));
    const bob = await idOf(api('POST', '/v1/users', { email: 'bob@cairn.example' }));
    expect((await api('POST', '/v1/users', { email: 'ann@cairn.example' })).statusCode).toBe(409);
    const contact = await idOf(api('POST', '/v1/contacts', { email: 'kim@example.com' }));

    const task = (await api('POST', '/v1/tasks', { subject: 'Call Kim', contact_id: contact, owner_id: ann })).json();
    expect(task).toMatchObject({ status: 'open', owner_id: ann, kind: 'task', contact_id: contact });
    const done = await api('PATCH', `/v1/tasks/${task.id}`, { status: 'done' });
    expect(done.json()).toMatchObject({ status: 'done', owner_id: ann });
    const skip = await api('PATCH', `/v1/tasks/${task.id}`, { status: 'cancelled' });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().errors).toEqual([
      { field: 'status', message: 'done → cancelled is not allowed; it can move to open' },
    ]);
    const unknown = await api('PATCH', `/v1/tasks/${task.id}`, { status: 'won' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([expect.objectContaining({ field: 'status' })]);
    const preset = await api('POST', '/v1/tasks', { subject: 'x', status: 'done' });
    expect([preset.statusCode, preset.json().errors[0].field]).toEqual([409, 'status']);
    expect((await api('PATCH', `/v1/tasks/${task.id}`, { owner_id: bob })).json().owner_id).toBe(bob);
    expect((await api('PATCH', `/v1/tasks/${task.id}`, { owner_id: null })).json().owner_id).toBeNull();

    const lead = (await api('POST', '/v1/leads', { title: 'Demo', contact_id: contact, owner_id: bob })).json();
    expect(lead).toMatchObject({ status: 'new', owner_id: bob });
    const jump = await api('PATCH', `/v1/leads/${lead.id}`, { status: 'converted' });
    expect([jump.statusCode, jump.json().errors[0].field]).toEqual([409, 'status']);
    for (const status of ['qualified', 'converted'])
      expect((await api('PATCH', `/v1/leads/${lead.id}`, { status })).json().status).toBe(status);
    const reopen = await api('PATCH', `/v1/leads/${lead.id}`, { status: 'new' });
    expect(reopen.json().errors[0].message).toMatch(/cannot move any more/);
    expect((await api('GET', `/v1/leads/${lead.id}`)).json().status).toBe('converted');

    // deleting a user leaves what it owned unowned
    expect((await api('DELETE', `/v1/users/${bob}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/leads/${lead.id}`)).json().owner_id).toBeNull();
  });

  it('lists by status, owner, contact, journey and due/created range, in pages', async () => {
    const ws = await createWorkspace(kit, 'lists');
    const api = client(kit, ws.key);
    const ann = await idOf(api('POST', '/v1/users', { email: 'ann@cairn.example' }));
    const [kim, lou] = [
      await idOf(api('POST', '/v1/contacts', { email: 'kim@example.com' })),
      await idOf(api('POST', '/v1/contacts', { email: 'lou@example.com' })),
    ];
    const journey = await idOf(api('POST', '/v1/journeys', { name: 'J' }));
    const t1 = await idOf(
      api('POST', '/v1/tasks', { subject: 'a', contact_id: kim, owner_id: ann, due_at: '2027-01-10T09:00:00Z' }),
    );
    const t2 = await idOf(api('POST', '/v1/tasks', { subject: 'b', contact_id: lou, due_at: '2027-01-20T09:00:00Z' }));
    await api('PATCH', `/v1/tasks/${t2}`, { status: 'cancelled' });
    // one written by an activity tile, created last month
    const { rows } = await kit.pool.query<{ id: string }>(
      `INSERT INTO tasks (workspace_id, contact_id, journey_id, tile_id, subject, created_at)
       VALUES ($1, $2, $3, 'call', 'c', now() - interval '30 days') RETURNING id::text`,
      [ws.id, kim, journey],
    );
    const t3 = rows[0]?.id as string;
    const sorted = (list: string[]) => [...list].sort();
    expect(sorted(await ids(api, '/v1/tasks?status=open'))).toEqual(sorted([t1, t3]));
    expect(await ids(api, '/v1/tasks?status=cancelled')).toEqual([t2]);
    expect(await ids(api, `/v1/tasks?owner_id=${ann}`)).toEqual([t1]);
    expect(sorted(await ids(api, `/v1/tasks?contact_id=${kim}`))).toEqual(sorted([t1, t3]));
    expect(await ids(api, `/v1/tasks?journey_id=${journey}`)).toEqual([t3]);
    expect(await ids(api, '/v1/tasks?due_from=2027-01-15T00:00:00Z')).toEqual([t2]);
    expect(await ids(api, '/v1/tasks?due_to=2027-01-15T00:00:00Z')).toEqual([t1]);
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
    expect(await ids(api, `/v1/tasks?created_to=${weekAgo}`)).toEqual([t3]);
    expect(sorted(await ids(api, `/v1/tasks?created_from=${weekAgo}&contact_id=${kim}`))).toEqual([t1]);
    const bad = await api('GET', '/v1/tasks?due_from=yesterday');
    expect([bad.statusCode, bad.json().errors[0].field]).toEqual([400, 'querystring.due_from']);
    expect((await api('GET', '/v1/leads?status=won')).statusCode).toBe(400);

    const first = (await api('GET', '/v1/tasks?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const rest = (await api('GET', `/v1/tasks?limit=2&cursor=${first.next_cursor}`)).json();
    expect(rest.next_cursor).toBeNull();
    expect(sorted([...first.items, ...rest.items].map((t: { id: string }) => t.id))).toEqual(sorted([t1, t2, t3]));

    const lead = await idOf(api('POST', '/v1/leads', { title: 'L', contact_id: lou, owner_id: ann }));
    await api('PATCH', `/v1/leads/${lead}`, { status: 'qualified' });
    expect(await ids(api, `/v1/leads?status=qualified&owner_id=${ann}&contact_id=${lou}`)).toEqual([lead]);
    expect(await ids(api, '/v1/leads?status=new')).toEqual([]);
  });

  it("answers 404 for another workspace's task, lead and user, and refuses its user as an owner", async () => {
    const a = client(kit, (await createWorkspace(kit, 'a')).key);
    const b = client(kit, (await createWorkspace(kit, 'b')).key);
    const user = await idOf(a('POST', '/v1/users', { email: 'ann@a.example' }));
    const task = await idOf(a('POST', '/v1/tasks', { subject: 'a', owner_id: user }));
    const lead = await idOf(a('POST', '/v1/leads', { title: 'a', owner_id: user }));
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/v1/users/${user}`],
      ['PATCH', `/v1/users/${user}`, { name: 'stolen' }],
      ['DELETE', `/v1/users/${user}`],
      ['GET', `/v1/tasks/${task}`],
      ['PATCH', `/v1/tasks/${task}`, { status: 'done' }],
      ['GET', `/v1/leads/${lead}`],
      ['PATCH', `/v1/leads/${lead}`, { status: 'qualified' }],
    ];
    for (const [method, url, body] of probes)
      expect([method, url, (await b(method as 'GET', url, body)).statusCode]).toEqual([method, url, 404]);
    expect(await ids(b, '/v1/users')).toEqual([]);
    expect(await ids(b, '/v1/tasks')).toEqual([]);
    expect(await ids(b, `/v1/leads?owner_id=${user}`)).toEqual([]);
    const own = await idOf(b('POST', '/v1/tasks', { subject: 'b' }));
    const steal = await b('PATCH', `/v1/tasks/${own}`, { owner_id: user });
    expect([steal.statusCode, steal.json().errors]).toEqual([404, [{ field: 'owner_id', message: 'not found' }]]);
    expect((await b('POST', '/v1/leads', { title: 'b', owner_id: user })).statusCode).toBe(404);
    expect((await a('GET', `/v1/tasks/${task}`)).json()).toMatchObject({ status: 'open', owner_id: user });
  });

  it('checks the owner an activity or create-lead tile names at journey check and go-live', async () => {
    const a = client(kit, (await createWorkspace(kit, 'tiles-a')).key);
    const b = client(kit, (await createWorkspace(kit, 'tiles-b')).key);
    const mine = await idOf(a('POST', '/v1/users', { email: 'ann@a.example' }));
    const theirs = await idOf(b('POST', '/v1/users', { email: 'bob@b.example' }));
    const segment = await idOf(a('POST', '/v1/segments', { name: 'S', kind: 'static' }));
    const journey = (callOwner: string, leadOwner: string) =>
      idOf(
        a('POST', '/v1/journeys', {
          name: 'Owned',
          graph: {
            tiles: [
              { id: 'start', type: 'segment', next: ['call'], config: { segment_ids: [segment] } },
              { id: 'call', type: 'activity', next: ['lead'], config: { subject: 'Call', owner_id: callOwner } },
              { id: 'lead', type: 'create_lead', next: [], config: { owner_id: leadOwner } },
            ],
          },
          settings: { start_at: '2026-12-01T00:00:00Z', end_at: '2027-03-01T00:00:00Z', time_zone: 'Europe/Oslo' },
        }),
      );
    const bad = await journey(theirs, 'nobody');
    const check = (await a('POST', `/v1/journeys/${bad}/check`)).json();
    expect(check).toEqual({
      ok: false,
      errors: [
        { field: 'graph.tiles.call', message: expect.stringMatching(`config.owner_id "${theirs}" is not a user`) },
        { field: 'graph.tiles.lead', message: expect.stringMatching('config.owner_id "nobody" is not a user') },
      ],
    });
    const live = await a('POST', `/v1/journeys/${bad}/go-live`);
    expect(live.statusCode).toBe(422);
    const good = await journey(mine, mine);
    expect((await a('POST', `/v1/journeys/${good}/check`)).json()).toEqual({ ok: true, errors: [] });
  });
});
