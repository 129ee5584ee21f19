import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * The journey's content settings at go-live (docs/api.md#error-check-go-live-stop) and Follow Email on accounts and
 * leads (docs/api.md#contacts-and-accounts), through the real API over PostgreSQL.
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const FORWARDING_MJML = `<mjml><mj-body><mj-section><mj-column><mj-text>Hello
<a href="{{content.forward_url}}">Forward</a>
<a href="{{content.subscription_center_url}}">Manage subscriptions</a> {{content.postal_address}}</mj-text>
</mj-column></mj-section></mj-body></mjml>`;

const SETTINGS = {
  start_at: '2026-12-01T00:00:00Z',
  end_at: '2027-03-01T00:00:00Z',
  time_zone: 'Europe/Oslo',
  min_consent: 0,
};

describe('journey go-live checks the content settings of every email tile', () => {
  it('refuses missing, foreign and unusable settings and a forward link without a forward page, naming tile and field', async () => {
    const ws = await createWorkspace(kit, 'content');
    const api = client(kit, ws.key);
    const page = { subscription_center_url: 'https://prefs.example.com/c', postal_address: '1 Main St, Oslo' };
    const full = await api('POST', '/v1/content-settings', {
      name: 'Full',
      ...page,
      forward_url: 'https://fwd.example.com/',
      is_default: true,
    });
    const noForward = await api('POST', '/v1/content-settings', { name: 'No forward', ...page });
    expect([full.statusCode, noForward.statusCode]).toEqual([201, 201]);
    const email = await api('POST', '/v1/emails', {
      name: 'Share',
      subject: 'Share this',
      from_address: 'news@example.com',
      body_mjml: FORWARDING_MJML,
    });
    expect((await api('POST', `/v1/emails/${email.json().id}/go-live`)).statusCode).toBe(200);
    const segment = await api('POST', '/v1/segments', {
      name: 'All',
      kind: 'dynamic',
      definition: { all: [{ field: 'consent_level', op: 'gte', value: 0 }] },
    });
    const journey = async (settings: Record<string, unknown>) => {
      const created = await api('POST', '/v1/journeys', {
        name: 'Share journey',
        graph: {
          tiles: [
            { id: 'start', type: 'segment', next: ['share'], config: { segment_ids: [segment.json().id] } },
            { id: 'share', type: 'email', next: ['end'], config: { email_id: email.json().id } },
            { id: 'end', type: 'end' },
          ],
        },
        settings: { ...SETTINGS, ...settings },
      });
      expect(created.statusCode).toBe(201);
      return created.json().id as string;
    };
    const goLive = (id: string) => api('POST', `/v1/journeys/${id}/go-live`);

    const forwardless = await goLive(await journey({ content_settings_id: noForward.json().id }));
    expect(forwardless.statusCode).toBe(422);
    expect(forwardless.json().errors).toEqual([
      {
        field: 'graph.tiles.share.content_settings.forward_url',
        message: expect.stringContaining('the email links to forward to a friend'),
      },
    ]);

    const other = client(kit, (await createWorkspace(kit, 'other')).key);
    const foreign = await other('POST', '/v1/content-settings', { name: 'Theirs', ...page });
    const foreignJourney = await journey({});
    await kit.pool.query(
      `UPDATE journeys SET settings = settings || jsonb_build_object('content_settings_id', $2::text) WHERE id = $1`,
      [foreignJourney, foreign.json().id],
    );
    expect((await goLive(foreignJourney)).json().errors).toEqual([
      { field: 'settings.content_settings_id', message: expect.stringContaining('do not exist in this workspace') },
    ]);

    await kit.pool.query("UPDATE content_settings SET subscription_center_url = 'javascript:alert(1)' WHERE id = $1", [
      full.json().id,
    ]);
    const unusable = await goLive(await journey({}));
    expect(unusable.statusCode).toBe(422);
    expect(unusable.json().errors.map((e: { field: string }) => e.field)).toEqual([
      'graph.tiles.share.content_settings.subscription_center_url',
    ]);

    for (const id of [full.json().id, noForward.json().id])
      expect((await api('DELETE', `/v1/content-settings/${id}`)).statusCode).toBe(204);
    const missing = await goLive(await journey({}));
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors).toEqual([
      { field: 'graph.tiles.share.content_settings', message: expect.stringContaining('no content settings') },
    ]);

    const fixed = await api('POST', '/v1/content-settings', {
      name: 'Fixed',
      ...page,
      forward_url: 'https://f.example/',
    });
    const ok = await goLive(await journey({ content_settings_id: fixed.json().id }));
    expect([ok.statusCode, ok.json().status]).toEqual([200, 'live']);
  });
});

describe('Follow Email on accounts and leads', () => {
  it('is stored, returned and validated like the contact field; an unknown lead field is refused', async () => {
    const ws = await createWorkspace(kit, 'follow');
    const api = client(kit, ws.key);
    const account = await api('POST', '/v1/accounts', { name: 'Private AS', allow_follow_email: false });
    expect(account.statusCode).toBe(201);
    expect(account.json().allow_follow_email).toBe(false);
    expect((await api('GET', '/v1/accounts')).json().items[0].allow_follow_email).toBe(false);
    const wrong = await api('PATCH', `/v1/accounts/${account.json().id}`, { allow_follow_email: 'no' });
    expect(wrong.statusCode).toBe(400);
    expect(JSON.stringify(wrong.json())).toContain('allow_follow_email');
    expect((await api('POST', '/v1/accounts', { name: 'Open AS' })).json().allow_follow_email).toBe(true);

    const contact = await api('POST', '/v1/contacts', { email: 'lead@example.com' });
    const { rows } = await kit.pool.query<{ id: string }>(
      "INSERT INTO leads (workspace_id, contact_id, title) VALUES ($1, $2, 'Hot') RETURNING id::text",
      [ws.id, contact.json().id],
    );
    const lead = rows[0]?.id ?? '';
    expect((await api('GET', `/v1/leads/${lead}`)).json().allow_follow_email).toBe(true);
    const patched = await api('PATCH', `/v1/leads/${lead}`, { allow_follow_email: false });
    expect([patched.statusCode, patched.json().allow_follow_email]).toEqual([200, false]);
    expect((await api('PATCH', `/v1/leads/${lead}`, { rating: 'hot' })).statusCode).toBe(400);
    expect((await api('PATCH', `/v1/leads/${lead}`, { allow_follow_email: 'maybe' })).statusCode).toBe(400);
    const other = client(kit, (await createWorkspace(kit, 'stranger')).key);
    expect((await other('PATCH', `/v1/leads/${lead}`, { allow_follow_email: true })).statusCode).toBe(404);
  });
});
