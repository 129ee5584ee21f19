import {
  client,
  createDefaultContentSettings,
  createWorkspace,
  MJML_OK,
  startApiKit,
  type ApiKit,
} from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

describe('full flow: workspace and key to a live email and a live journey', () => {
  it('creates every resource against real PostgreSQL', async () => {
    const ws = await createWorkspace(kit, 'flow');
    const api = client(kit, ws.key);

    const account = await api('POST', '/v1/accounts', { name: 'Acme <Corp>' });
    expect(account.statusCode).toBe(201);
    const contact = await api('POST', '/v1/contacts', {
      email: 'Ada@Example.com',
      first_name: '<b>Ada</b>',
      account_id: account.json().id,
      consent_level: 4,
      attributes: { city: 'Oslo' },
    });
    expect(contact.statusCode).toBe(201);
    const contactId = contact.json().id as string;

    const list = await api('POST', '/v1/lists', { name: 'Newsletter' });
    expect((await api('POST', `/v1/lists/${list.json().id}/members`, { contact_ids: [contactId] })).json()).toEqual({
      subscribed: 1,
    });
    const subs = await api('GET', `/v1/contacts/${contactId}/subscriptions`);
    expect(subs.json().lists).toEqual([expect.objectContaining({ name: 'Newsletter', subscribed: true })]);
    expect((await api('DELETE', `/v1/lists/${list.json().id}/members/${contactId}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/contacts/${contactId}/subscriptions`)).json().lists[0].subscribed).toBe(false);

    await createDefaultContentSettings(api);

    const email = await api('POST', '/v1/emails', {
      name: 'Invite',
      subject: 'Hi {{default contact.first_name "there"}}',
      from_address: 'news@example.com',
      body_mjml: MJML_OK,
      attachments: [{ url: 'https://files.example.com/brochure.pdf', label: 'Brochure' }],
    });
    expect(email.statusCode).toBe(201);
    const emailId = email.json().id as string;
    expect((await api('POST', `/v1/emails/${emailId}/check`)).json()).toEqual({ ok: true, errors: [] });

    const preview = await api('POST', `/v1/emails/${emailId}/preview`, { contact_id: contactId });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().html).toContain('&lt;b&gt;Ada&lt;/b&gt;');
    expect(preview.json().html).toContain('Oslo offer');
    expect(preview.json().html).toContain('Acme &lt;Corp&gt;');
    expect(preview.json().html).toContain('https://prefs.example.com/c');

    const live = await api('POST', `/v1/emails/${emailId}/go-live`);
    expect(live.statusCode).toBe(200);
    expect(live.json().version).toBe(1);
    expect(
      live
        .json()
        .links.map((l: { kind: string }) => l.kind)
        .sort(),
    ).toEqual(['attachment', 'link', 'subscription_center']);
    const version = await api('GET', `/v1/emails/${emailId}/versions/1`);
    expect(version.json().compiled_html).toContain('{{default contact.first_name "there"}}');
    expect(version.json().links).toHaveLength(3);

    // editing a live email and going live again freezes version 2; version 1 stays as it was
    await api('PATCH', `/v1/emails/${emailId}`, { subject: 'Second {{contact.first_name}}' });
    expect((await api('POST', `/v1/emails/${emailId}/go-live`)).json().version).toBe(2);
    expect((await api('GET', `/v1/emails/${emailId}/versions/1`)).json().subject).toBe(
      'Hi {{default contact.first_name "there"}}',
    );
    const versions = await api('GET', `/v1/emails/${emailId}/versions?limit=1`);
    expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(
      (await api('GET', `/v1/emails/${emailId}/versions?cursor=${versions.json().next_cursor}`)).json().items[0]
        .version,
    ).toBe(2);
    expect((await api('DELETE', `/v1/emails/${emailId}`)).statusCode).toBe(409);
    const scratch = (await api('POST', '/v1/emails', { name: 'scratch' })).json().id;
    expect((await api('DELETE', `/v1/emails/${scratch}`)).statusCode).toBe(204);

    const segment = await api('POST', '/v1/segments', {
      name: 'Oslo',
      kind: 'dynamic',
      definition: {
        all: [
          { field: 'attributes.city', op: 'eq', value: 'Oslo' },
          { field: 'consent_level', op: 'gte', value: 3 },
        ],
      },
    });
    expect(segment.statusCode).toBe(201);
    const refresh = await api('POST', `/v1/segments/${segment.json().id}/refresh`);
    expect(refresh.json()).toEqual({ added: 1, removed: 0, member_count: 1 });

    const journey = await api('POST', '/v1/journeys', {
      name: 'Welcome',
      graph: {
        tiles: [
          { id: 'start', type: 'segment', next: ['invite'], config: { segment_ids: [segment.json().id] } },
          { id: 'invite', type: 'email', next: ['clicked'], config: { email_id: emailId } },
          {
            id: 'clicked',
            type: 'trigger',
            next: ['call', 'end'],
            config: { email_tile_id: 'invite', condition: 'clicked', timeout_days: 7 },
          },
          { id: 'call', type: 'activity', next: ['end'], config: { kind: 'phone_call', subject: 'Follow up' } },
          { id: 'end', type: 'end' },
        ],
      },
      settings: {
        start_at: '2026-12-01T00:00:00Z',
        end_at: '2027-03-01T00:00:00Z',
        time_zone: 'Europe/Oslo',
        min_consent: 3,
        recurring: { interval_days: 30, count: 2 },
      },
    });
    expect(journey.statusCode).toBe(201);
    const journeyId = journey.json().id as string;
    const wentLive = await api('POST', `/v1/journeys/${journeyId}/go-live`);
    expect(wentLive.statusCode).toBe(200);
    expect(wentLive.json().status).toBe('live');
    expect((await api('PATCH', `/v1/journeys/${journeyId}`, { name: 'x' })).statusCode).toBe(409);
    expect((await api('POST', `/v1/journeys/${journeyId}/stop`)).json().status).toBe('stopped');
    expect((await api('POST', `/v1/journeys/${journeyId}/go-live`)).statusCode).toBe(409);
    const milestones = await api('GET', `/v1/journeys/${journeyId}/milestones`);
    expect(milestones.json().items.map((m: { status: string }) => m.status)).toEqual(['live', 'stopped']);

    // what journeys create, read back through the API
    await kit.pool.query(
      "INSERT INTO tasks (workspace_id, contact_id, journey_id, tile_id, kind, subject) VALUES ($1, $2, $3, 'call', 'phone_call', 'Follow up')",
      [ws.id, contactId, journeyId],
    );
    await kit.pool.query(
      "INSERT INTO leads (workspace_id, contact_id, journey_id, tile_id, title) VALUES ($1, $2, $3, 'lead', 'Hot')",
      [ws.id, contactId, journeyId],
    );
    expect((await api('GET', `/v1/tasks?journey_id=${journeyId}`)).json().items).toEqual([
      expect.objectContaining({ kind: 'phone_call', subject: 'Follow up' }),
    ]);
    expect((await api('GET', `/v1/leads?contact_id=${contactId}`)).json().items).toEqual([
      expect.objectContaining({ title: 'Hot' }),
    ]);
  });

  it('pages every list with a cursor', async () => {
    const ws = await createWorkspace(kit, 'paging');
    const api = client(kit, ws.key);
    for (let i = 0; i < 5; i++) await api('POST', '/v1/accounts', { name: `a${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api('GET', `/v1/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((a: { id: string }) => a.id));
      cursor = page.json().next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
  });
});
