import { createApiKey } from '../../lib/domain/auth/api-keys';
import { ADMIN_TOKEN, call, client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Issue 22 part 3: routes (docs/api.md#routes). The operator sets a workspace's route with the operator token; a
 * workspace admin key sets its sending domain's to "default" or its workspace's route (a route may hold another
 * tenant's relay credentials); the operator takes only names of CAIRN_API_ROUTE_NAMES (and "default").
 */
let kit: ApiKit;

beforeAll(async () => {
  kit = await startApiKit({ routeNames: ['ses', 'bulk-b'] });
});

afterAll(async () => {
  await kit?.close();
});

const operator = (url: string, body: unknown, token = ADMIN_TOKEN) =>
  call(kit.baseUrl, 'PUT', url, body, { authorization: `Bearer ${token}` });

describe('routes', () => {
  it("sets a workspace's route with the operator token only; an unknown name is 422 naming route", async () => {
    const ws = await createWorkspace(kit, 'routes-1');
    const set = await operator(`/v1/admin/workspaces/${ws.id}/route`, { route: 'ses' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ id: ws.id, route: 'ses' });
    const settings = await client(kit, ws.key)('GET', '/v1/workspace');
    expect(settings.json().route).toBe('ses');

    for (const route of ['nope', 'SES', 'a'.repeat(40), 'smtp://evil.example:25']) {
      const unknown = await operator(`/v1/admin/workspaces/${ws.id}/route`, { route });
      expect([400, 422]).toContain(unknown.statusCode);
      expect(unknown.json().errors[0].field).toMatch(/route/);
    }
    const unknown = await operator(`/v1/admin/workspaces/${ws.id}/route`, { route: 'nope' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].field).toBe('body.route');

    expect((await operator(`/v1/admin/workspaces/${ws.id}/route`, { route: 'ses' }, ws.key)).statusCode).toBe(401);
    expect((await operator(`/v1/admin/workspaces/${ws.id}/route`, { route: 'ses' }, 'wrong')).statusCode).toBe(401);
    const missing = await operator('/v1/admin/workspaces/00000000-0000-4000-8000-000000000000/route', { route: null });
    expect(missing.statusCode).toBe(404);

    const cleared = await operator(`/v1/admin/workspaces/${ws.id}/route`, { route: null });
    expect(cleared.json()).toEqual({ id: ws.id, route: null });
  });

  it("sets a sending domain's route with the admin scope; another workspace's domain is 404", async () => {
    const ws = await createWorkspace(kit, 'routes-2');
    const api = client(kit, ws.key);
    const domain = (await api('POST', '/v1/sending-domains', { domain: 'mail.routes.example' })).json();
    // a route the operator did not give this workspace (it may hold another tenant's relay credentials): refused
    const notOwn = await api('PUT', `/v1/sending-domains/${domain.id}/route`, { route: 'bulk-b' });
    expect(notOwn.statusCode).toBe(422);
    expect(notOwn.json().errors[0].field).toBe('body.route');
    expect((await operator(`/v1/admin/workspaces/${ws.id}/route`, { route: 'bulk-b' })).statusCode).toBe(200);
    const set = await api('PUT', `/v1/sending-domains/${domain.id}/route`, { route: 'bulk-b' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ id: domain.id, route: 'bulk-b' });
    expect((await api('PUT', `/v1/sending-domains/${domain.id}/route`, { route: 'default' })).json().route).toBe(
      'default',
    );

    const unknown = await api('PUT', `/v1/sending-domains/${domain.id}/route`, { route: 'ses' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].field).toBe('body.route');
    expect(unknown.body).not.toMatch(/smtp:/);

    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('PUT', `/v1/sending-domains/${domain.id}/route`, { route: 'ses' })).statusCode).toBe(403);
    const stranger = client(kit, (await createWorkspace(kit, 'routes-stranger')).key);
    expect((await stranger('PUT', `/v1/sending-domains/${domain.id}/route`, { route: 'default' })).statusCode).toBe(
      404,
    );
    expect((await operator(`/v1/sending-domains/${domain.id}/route`, { route: 'ses' })).statusCode).toBe(401);

    expect((await api('GET', `/v1/sending-domains/${domain.id}`)).json().route).toBe('default');
  });
});
