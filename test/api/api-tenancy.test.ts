import { createApiKey } from '../../lib/domain/auth/api-keys';
import { call, client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit({ rateLimitPerMinute: 30 });
});
afterAll(async () => {
  await kit.close();
});

describe('authorization across two workspaces', () => {
  it("answers 404 for another workspace's ids and never lists them", async () => {
    const a = client(kit, (await createWorkspace(kit, 'a')).key);
    const b = client(kit, (await createWorkspace(kit, 'b')).key);
    const contact = (await a('POST', '/v1/contacts', { email: 'x@a.test' })).json().id as string;
    const list = (await a('POST', '/v1/lists', { name: 'L' })).json().id as string;
    const email = (await a('POST', '/v1/emails', { name: 'E' })).json().id as string;
    const segment = (await a('POST', '/v1/segments', { name: 'S', kind: 'static' })).json().id as string;
    const journey = (await a('POST', '/v1/journeys', { name: 'J' })).json().id as string;
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/v1/contacts/${contact}`],
      ['PATCH', `/v1/contacts/${contact}`, { first_name: 'stolen' }],
      ['DELETE', `/v1/contacts/${contact}`],
      ['GET', `/v1/contacts/${contact}/subscriptions`],
      ['GET', `/v1/lists/${list}/members`],
      ['GET', `/v1/emails/${email}`],
      ['PATCH', `/v1/emails/${email}`, { subject: 'x' }],
      ['POST', `/v1/emails/${email}/go-live`],
      ['GET', `/v1/segments/${segment}`],
      ['POST', `/v1/journeys/${journey}/go-live`],
      ['GET', `/v1/journeys/${journey}/milestones`],
      ['GET', `/v1/journeys/${journey}/iterations`],
    ];
    for (const [method, url, body] of probes)
      expect([method, url, (await b(method as 'GET', url, body)).statusCode]).toEqual([method, url, 404]);
    // B cannot attach A's contact to its own list or segment either
    const bList = (await b('POST', '/v1/lists', { name: 'mine' })).json().id as string;
    const attach = await b('POST', `/v1/lists/${bList}/members`, { contact_ids: [contact] });
    expect(attach.statusCode).toBe(404);
    expect(attach.json().errors).toEqual([{ field: 'contact_ids[0]', message: 'not found' }]);
    expect((await b('GET', '/v1/contacts')).json().items).toEqual([]);
    expect((await a('GET', `/v1/contacts/${contact}`)).json().first_name).toBeNull();
  });

  it('rejects mass assignment of workspace_id, status and id, naming the field', async () => {
    const ws = await createWorkspace(kit, 'mass');
    const other = await createWorkspace(kit, 'victim');
    const api = client(kit, ws.key);
    for (const [url, body, field] of [
      ['/v1/contacts', { email: 'm@a.test', workspace_id: other.id }, 'workspace_id'],
      ['/v1/emails', { name: 'E', status: 'live' }, 'status'],
      ['/v1/journeys', { name: 'J', status: 'live' }, 'status'],
      ['/v1/accounts', { name: 'A', id: '00000000-0000-0000-0000-000000000001' }, 'id'],
    ] as const) {
      const res = await api('POST', url, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ status: 400, errors: [{ field, message: 'is not a writable field' }] });
    }
    const { rows } = await kit.pool.query('SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1', [
      other.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('needs a valid key with the right scope', async () => {
    const ws = await createWorkspace(kit, 'scopes');
    expect((await call(kit.baseUrl, 'GET', '/v1/contacts')).statusCode).toBe(401);
    expect(
      (await call(kit.baseUrl, 'GET', '/v1/contacts', undefined, { authorization: `Bearer ${ws.key}x` })).statusCode,
    ).toBe(401);
    const { key } = await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read'] });
    const reader = client(kit, key);
    expect((await reader('GET', '/v1/contacts')).statusCode).toBe(200);
    const denied = await reader('POST', '/v1/contacts', { email: 'r@a.test' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toMatch(/"write" scope/);
    expect((await reader('POST', '/v1/api-keys', { scopes: ['read'] })).statusCode).toBe(403);
    expect(
      (await call(kit.baseUrl, 'POST', '/v1/admin/workspaces', { name: 'x' }, { authorization: 'Bearer wrong' }))
        .statusCode,
    ).toBe(401);
  });

  it('rate-limits per key in Redis', async () => {
    const first = client(kit, (await createWorkspace(kit, 'rl1')).key);
    const second = client(kit, (await createWorkspace(kit, 'rl2')).key);
    const codes: number[] = [];
    for (let i = 0; i < 32; i++) codes.push((await first('GET', '/v1/accounts')).statusCode);
    expect(codes.filter((c) => c === 429)).toHaveLength(2);
    const limited = await first('GET', '/v1/accounts');
    expect(limited.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    expect((await second('GET', '/v1/accounts')).statusCode).toBe(200);
  });
});
