import { createApiKey, type ApiKeyScope } from '../../lib/domain/auth/api-keys';
import { ADMIN_TOKEN, call, client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Issue 20, the API's half of defects 1, 2 and 17, with the default egress settings (nothing allowlisted).
 * Defect 1: a webhook URL that is literally forbidden (the ClickHouse-SSRF tile, loopback, metadata) is refused at
 * the journey's error check and at go-live with a 422 naming the tile, and as an alert webhook URL naming the field.
 * Defect 2: the workspace's webhook signing secret is returned once at creation and at rotation, never otherwise.
 * Defect 17: go-live and every other send need the send scope; a webhook destination needs admin.
 */
let kit: ApiKit;

beforeAll(async () => {
  kit = await startApiKit();
});

afterAll(async () => {
  await kit?.close();
});

type Client = ReturnType<typeof client>;

async function tenant(
  name: string,
): Promise<{ id: string; admin: Client; as(scopes: ApiKeyScope[]): Promise<Client>; segment: string }> {
  const ws = await createWorkspace(kit, name);
  const admin = client(kit, ws.key);
  const segment = (await admin('POST', '/v1/segments', { name: 'all', kind: 'static' })).json().id as string;
  return {
    id: ws.id,
    admin,
    segment,
    as: async (scopes) => client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes })).key),
  };
}

const journey = (segment: string, url?: string) => ({
  name: 'j',
  graph: {
    tiles: [
      { id: 'seg', type: 'segment', next: [url ? 'hook' : 'end'], config: { segment_ids: [segment] } },
      ...(url ? [{ id: 'hook', type: 'launch_workflow', next: ['end'], config: { workflow: 'crm-sync', url } }] : []),
      { id: 'end', type: 'end' },
    ],
  },
  settings: {
    start_at: '2026-12-01T00:00:00Z',
    end_at: '2027-03-01T00:00:00Z',
    time_zone: 'UTC',
    recurring: { interval_days: 10, count: 2 },
  },
});

describe('defect 1: literally forbidden webhook URLs', () => {
  it.each([
    ['the ClickHouse-SSRF tile', 'http://127.0.0.1:8123/?query=%2F*', /port 8123/],
    ['loopback', 'http://127.0.0.1/hook', /127\.0\.0\.1 \(loopback\)/],
    ['localhost', 'http://localhost/hook', /localhost \(loopback\)/],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook', /ipv4Mapped/],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', /linkLocal/],
  ])(
    '%s: the check names the tile, go-live answers 422 naming it and the journey stays a draft',
    async (_name, url, reason) => {
      const ws = await tenant('ssrf');
      const id = (await ws.admin('POST', '/v1/journeys', journey(ws.segment, url))).json().id as string;
      const check = await ws.admin('POST', `/v1/journeys/${id}/check`);
      expect(check.json()).toEqual({
        ok: false,
        errors: [{ field: 'graph.tiles.hook', message: expect.stringMatching(reason) }],
      });
      const live = await ws.admin('POST', `/v1/journeys/${id}/go-live`);
      expect(live.statusCode).toBe(422);
      expect(live.json().errors).toEqual([{ field: 'graph.tiles.hook', message: expect.stringMatching(reason) }]);
      expect((await ws.admin('GET', `/v1/journeys/${id}`)).json().status).toBe('draft');
    },
  );

  it('refuses a forbidden alert webhook URL with a 422 naming the field, keeps a public one', async () => {
    const ws = await tenant('alerts');
    for (const url of ['http://127.0.0.1:8123/', 'http://169.254.169.254/', 'http://[::]/', 'http://100.64.0.1/']) {
      const res = await ws.admin('PATCH', '/v1/engagement/settings', { alert_webhook_url: url });
      expect([res.statusCode, res.json().errors]).toEqual([
        422,
        [{ field: 'alert_webhook_url', message: expect.stringContaining('egress policy') }],
      ]);
    }
    expect((await ws.admin('GET', '/v1/engagement/settings')).json().alert_webhook_url).toBeNull();
    const ok = await ws.admin('PATCH', '/v1/engagement/settings', {
      alert_webhook_url: 'https://hooks.example.com/cairn',
    });
    expect(ok.json()).toEqual({ following_enabled: true, alert_webhook_url: 'https://hooks.example.com/cairn' });
  });
});

describe('defect 17: send and admin scopes', () => {
  it('going live and raising a recurrence need send: a write key gets 403 naming the scope, a send key goes live', async () => {
    const ws = await tenant('send');
    const writer = await ws.as(['read', 'write']);
    const sender = await ws.as(['send']);
    const id = (await writer('POST', '/v1/journeys', journey(ws.segment))).json().id as string;
    const denied = await writer('POST', `/v1/journeys/${id}/go-live`);
    expect([denied.statusCode, denied.json().detail]).toEqual([403, expect.stringContaining('"send" scope')]);
    const live = await sender('POST', `/v1/journeys/${id}/go-live`);
    expect([live.statusCode, live.json().status]).toEqual([200, 'live']);
    expect((await writer('POST', `/v1/journeys/${id}/recurrence`, { count: 3 })).statusCode).toBe(403);
    expect((await sender('POST', `/v1/journeys/${id}/recurrence`, { count: 3 })).statusCode).toBe(200);
  });

  it('a test send and a one-to-one message need send', async () => {
    const ws = await tenant('sends');
    const writer = await ws.as(['read', 'write']);
    const sender = await ws.as(['send']);
    const contact = (await ws.admin('POST', '/v1/contacts', { email: 'ann@recipient.test', first_name: 'Ann' })).json()
      .id as string;
    // A test send runs go-live's checks (defect 5): the draft needs content settings.
    await ws.admin('POST', '/v1/content-settings', {
      name: 'D',
      subscription_center_url: 'https://p.example.com',
      postal_address: '1 Main St',
      is_default: true,
    });
    const email = (
      await ws.admin('POST', '/v1/emails', {
        name: 'T',
        subject: 'Hi',
        from_address: 'news@example.com',
        body_mjml: MJML_OK,
      })
    ).json().id as string;
    const testSend = { contact_id: contact, to: ['qa@t.test'] };
    expect((await writer('POST', `/v1/emails/${email}/test-send`, testSend)).statusCode).toBe(403);
    expect((await sender('POST', `/v1/emails/${email}/test-send`, testSend)).statusCode).toBe(202);
    const message = {
      subject: 'Hi',
      body_html: '<p>Hello</p>',
      from_address: 'rep@example.com',
      recipients: [contact],
    };
    expect((await writer('POST', '/v1/engagement/messages', message)).statusCode).toBe(403);
    expect((await sender('POST', '/v1/engagement/messages', message)).statusCode).toBe(201);
  });

  it('a webhook destination needs admin: a write key may edit a journey but not set or change its URL (403 naming the tile)', async () => {
    const ws = await tenant('hooks');
    const writer = await ws.as(['read', 'write']);
    const url = 'https://hooks.example.com/crm';
    const denied = await writer('POST', '/v1/journeys', journey(ws.segment, url));
    expect([denied.statusCode, denied.json().errors]).toEqual([
      403,
      [{ field: 'graph.tiles.hook.config.url', message: 'needs the "admin" scope' }],
    ]);
    expect(denied.json().detail).toMatch(/webhook destination of tile "hook" needs the "admin" scope/);
    const created = await ws.admin('POST', '/v1/journeys', journey(ws.segment, url));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(
      (await writer('PATCH', `/v1/journeys/${id}`, { name: 'renamed', graph: journey(ws.segment, url).graph }))
        .statusCode,
    ).toBe(200);
    const changed = await writer('PATCH', `/v1/journeys/${id}`, {
      graph: journey(ws.segment, 'https://elsewhere.example.net/').graph,
    });
    expect([changed.statusCode, changed.json().errors[0].field]).toEqual([403, 'graph.tiles.hook.config.url']);
    expect((await ws.admin('GET', `/v1/journeys/${id}`)).json().graph.tiles[1].config.url).toBe(url);
    expect(
      (
        await ws.admin('PATCH', `/v1/journeys/${id}`, {
          graph: journey(ws.segment, 'https://elsewhere.example.net/').graph,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('the alert webhook URL needs admin', async () => {
    const ws = await tenant('alert-scope');
    const writer = await ws.as(['read', 'write']);
    const denied = await writer('PATCH', '/v1/engagement/settings', {
      alert_webhook_url: 'https://hooks.example.com/alerts',
    });
    expect([denied.statusCode, denied.json().detail]).toEqual([403, expect.stringContaining('"admin" scope')]);
    expect(
      (await ws.admin('PATCH', '/v1/engagement/settings', { alert_webhook_url: 'https://hooks.example.com/alerts' }))
        .statusCode,
    ).toBe(200);
  });
});

describe("defect 2: each workspace's webhook signing secret", () => {
  it('is returned once when the workspace is created, differs per workspace, is never shown again and rotates with an admin key', async () => {
    const create = (name: string) =>
      call(kit.baseUrl, 'POST', '/v1/admin/workspaces', { name }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    const [a, b] = [(await create('a')).json(), (await create('b')).json()];
    expect(a.webhook_secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(b.webhook_secret).not.toBe(a.webhook_secret);
    const stored = async (id: string) =>
      (await kit.pool.query<{ webhook_secret: string }>('SELECT webhook_secret FROM workspaces WHERE id = $1', [id]))
        .rows[0]?.webhook_secret;
    expect(await stored(a.workspace_id)).toBe(a.webhook_secret);
    const admin = client(kit, a.key);
    const shown = await admin('GET', '/v1/workspace');
    expect(shown.body).not.toContain(a.webhook_secret);
    expect(shown.json().webhook_secret_rotated_at).toEqual(expect.any(String));

    const writer = client(
      kit,
      (await createApiKey(kit.pool, { workspaceId: a.workspace_id, scopes: ['read', 'write'] })).key,
    );
    expect((await writer('POST', '/v1/workspace/webhook-secret')).statusCode).toBe(403);
    const rotated = await admin('POST', '/v1/workspace/webhook-secret');
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().webhook_secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(rotated.json().webhook_secret).not.toBe(a.webhook_secret);
    expect(await stored(a.workspace_id)).toBe(rotated.json().webhook_secret);
    expect(await stored(b.workspace_id)).toBe(b.webhook_secret);
  });
});
