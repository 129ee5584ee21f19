import { createApiKey } from '../../lib/domain/auth/api-keys';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 23, item 9: whether the sender blocks role addresses (info@, sales@, …) is a workspace setting, off by
 * default, read with GET /v1/workspace and changed with PATCH /v1/workspace (scope admin); the sender reads the
 * same column (test/sender/role-addresses.test.ts).
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const stored = async (workspaceId: string): Promise<boolean | undefined> =>
  (
    await kit.pool.query<{ block_role_addresses: boolean }>(
      'SELECT block_role_addresses FROM workspaces WHERE id = $1',
      [workspaceId],
    )
  ).rows[0]?.block_role_addresses;

describe('block_role_addresses workspace setting', () => {
  it('is off by default, set by an admin key only, validated as a boolean and kept per workspace', async () => {
    const ws = await createWorkspace(kit, 'roles');
    const other = await createWorkspace(kit, 'roles-other');
    const admin = client(kit, ws.key);
    expect((await admin('GET', '/v1/workspace')).json()).toMatchObject({ block_role_addresses: false });

    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('PATCH', '/v1/workspace', { block_role_addresses: true })).statusCode).toBe(403);
    for (const bad of ['yes', 2, {}]) {
      const refused = await admin('PATCH', '/v1/workspace', { block_role_addresses: bad });
      expect([bad, refused.statusCode]).toEqual([bad, 400]);
      expect(refused.body).toContain('block_role_addresses');
    }
    expect(await stored(ws.id)).toBe(false);

    const on = await admin('PATCH', '/v1/workspace', { block_role_addresses: true });
    expect([on.statusCode, on.json()]).toEqual([200, expect.objectContaining({ block_role_addresses: true })]);
    expect(await stored(ws.id)).toBe(true);
    expect(await stored(other.id)).toBe(false);
    // another setting changed alone leaves it as it is
    await admin('PATCH', '/v1/workspace', { time_zone: 'Europe/Oslo' });
    expect((await writer('GET', '/v1/workspace')).json()).toMatchObject({
      block_role_addresses: true,
      time_zone: 'Europe/Oslo',
    });
    expect((await admin('PATCH', '/v1/workspace', { block_role_addresses: false })).json().block_role_addresses).toBe(
      false,
    );
    expect(await stored(ws.id)).toBe(false);
  });

  it('is in the OpenAPI document of both workspace routes', async () => {
    const spec = (await client(kit, (await createWorkspace(kit, 'spec')).key)('GET', '/docs/json')).json();
    const path = spec.paths['/v1/workspace'];
    expect(path.get.responses['200'].content['application/json'].schema.properties.block_role_addresses).toMatchObject({
      type: 'boolean',
    });
    expect(path.patch.requestBody.content['application/json'].schema.properties.block_role_addresses).toMatchObject({
      type: 'boolean',
    });
  });
});
