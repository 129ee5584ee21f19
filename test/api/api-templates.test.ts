import { createApiKey } from '../../lib/domain/auth/api-keys';
import { client, createDefaultContentSettings, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Issue 23 item 6: journey and email templates (docs/api.md#templates): built-ins in code, the workspace's own
 * saved from a journey or email, new drafts made from either keeping only the ids that still exist.
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit?.close();
});

type Api = ReturnType<typeof client>;

const DATES = { start_at: '2027-01-01T00:00:00Z', end_at: '2027-03-01T00:00:00Z' };

async function workspace(name: string): Promise<Api> {
  const api = client(kit, (await createWorkspace(kit, name)).key);
  await createDefaultContentSettings(api);
  return api;
}

/** A live email made from a built-in email template. */
async function liveEmail(api: Api, templateId: string): Promise<string> {
  const made = await api('POST', '/v1/emails/from-template', {
    template_id: templateId,
    from_address: 'news@example.com',
  });
  expect(made.statusCode).toBe(201);
  expect((await api('POST', `/v1/emails/${made.json().id}/go-live`)).statusCode).toBe(200);
  return made.json().id;
}

async function segment(api: Api): Promise<string> {
  const made = await api('POST', '/v1/segments', {
    name: 'All',
    kind: 'dynamic',
    definition: { all: [{ field: 'consent_level', op: 'gte', value: 0 }] },
  });
  expect(made.statusCode).toBe(201);
  return made.json().id;
}

describe('built-in templates', () => {
  it('are listed in every workspace by kind, readable, and cannot be deleted (problem body)', async () => {
    const api = await workspace('templates-builtin');
    const all = await api('GET', '/v1/templates');
    expect(all.statusCode).toBe(200);
    const ids = all.json().items.map((t: { id: string }) => t.id);
    expect(ids).toEqual([
      'builtin-journey-welcome-series',
      'builtin-journey-re-engagement',
      'builtin-journey-event-invitation',
      'builtin-email-newsletter',
      'builtin-email-announcement',
    ]);
    const emails = (await api('GET', '/v1/templates?kind=email')).json().items;
    expect(emails.map((t: { kind: string; built_in: boolean }) => [t.kind, t.built_in])).toEqual([
      ['email', true],
      ['email', true],
    ]);
    const one = await api('GET', '/v1/templates/builtin-journey-welcome-series');
    expect(one.json()).toMatchObject({ kind: 'journey', name: 'Welcome series', source_id: null });
    expect(one.json().definition.graph.tiles.map((t: { id: string }) => t.id)).toContain('welcome');

    const refused = await api('DELETE', '/v1/templates/builtin-email-newsletter');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ status: 409, errors: [{ field: 'id', message: 'is built in' }] });
    expect((await api('GET', '/v1/templates/builtin-email-newsletter')).statusCode).toBe(200);
    expect((await api('GET', '/v1/templates/builtin-nothing')).statusCode).toBe(404);
    expect((await api('GET', '/v1/templates/not%20an%20id')).statusCode).toBe(400);
  });

  it('make a draft email that passes the check and a draft journey that passes it once its emails exist', async () => {
    const api = await workspace('templates-use');
    const newsletter = await api('POST', '/v1/emails/from-template', {
      template_id: 'builtin-email-newsletter',
      name: 'March news',
      from_address: 'news@example.com',
    });
    expect(newsletter.statusCode).toBe(201);
    expect(newsletter.json()).toMatchObject({ name: 'March news', status: 'draft', dropped_references: [] });
    expect(newsletter.json().draft.body_mjml).toContain('{{content.postal_address}}');
    expect((await api('POST', `/v1/emails/${newsletter.json().id}/check`)).json()).toEqual({ ok: true, errors: [] });

    const bare = await api('POST', '/v1/journeys/from-template', { template_id: 'builtin-journey-welcome-series' });
    expect(bare.statusCode).toBe(201);
    expect(bare.json()).toMatchObject({ name: 'Welcome series', status: 'draft', dropped_references: [] });
    const unchecked = (await api('POST', `/v1/journeys/${bare.json().id}/check`)).json();
    expect(unchecked.ok).toBe(false);
    expect(unchecked.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['graph.tiles.audience', 'graph.tiles.welcome', 'graph.tiles.getting_started']),
    );

    const welcome = await liveEmail(api, 'builtin-email-announcement');
    const tips = await liveEmail(api, 'builtin-email-newsletter');
    const journey = await api('POST', '/v1/journeys/from-template', {
      template_id: 'builtin-journey-welcome-series',
      name: 'Welcome',
      settings: DATES,
      tiles: {
        audience: { segment_ids: [await segment(api)] },
        welcome: { email_id: welcome },
        getting_started: { email_id: tips },
      },
    });
    expect(journey.statusCode).toBe(201);
    expect(journey.json()).toMatchObject({ status: 'draft', dropped_references: [] });
    // the template's settings stay where the request gives none (no schema default over them)
    expect(journey.json().settings).toMatchObject({ ...DATES, time_zone: 'UTC', target: 'contacts' });
    expect((await api('POST', `/v1/journeys/${journey.json().id}/check`)).json()).toEqual({ ok: true, errors: [] });
  });

  it('refuses a template of the other kind, a tile the template lacks and ids of nothing (naming the field)', async () => {
    const api = await workspace('templates-bad');
    const wrongKind = await api('POST', '/v1/journeys/from-template', { template_id: 'builtin-email-newsletter' });
    expect(wrongKind.statusCode).toBe(422);
    expect(wrongKind.json().errors[0].field).toBe('template_id');
    const noTile = await api('POST', '/v1/journeys/from-template', {
      template_id: 'builtin-journey-re-engagement',
      tiles: { nope: { email_id: 'x' } },
    });
    expect(noTile.statusCode).toBe(422);
    expect(noTile.json().errors[0].field).toBe('tiles.nope');
    const nothing = await api('POST', '/v1/journeys/from-template', {
      template_id: 'builtin-journey-re-engagement',
      tiles: { we_miss_you: { email_id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(nothing.statusCode).toBe(404);
    expect(nothing.json().errors[0].field).toBe('tiles.we_miss_you.email_id');
    const mass = await api('POST', '/v1/journeys/from-template', {
      template_id: 'builtin-journey-re-engagement',
      status: 'live',
    });
    expect(mass.statusCode).toBe(400);
    const missing = await api('POST', '/v1/emails/from-template', { template_id: 'builtin-none' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().errors[0].field).toBe('template_id');
    expect((await api('GET', '/v1/journeys')).json().items).toEqual([]);
  });
});

describe("a workspace's own templates", () => {
  /** A live journey over two emails and a segment, with state the template must not copy. */
  async function liveJourney(api: Api) {
    const kept = await liveEmail(api, 'builtin-email-newsletter');
    const draft = await api('POST', '/v1/emails/from-template', {
      template_id: 'builtin-email-announcement',
      from_address: 'news@example.com',
    });
    const made = await api('POST', '/v1/journeys/from-template', {
      template_id: 'builtin-journey-re-engagement',
      name: 'Win back',
      settings: { ...DATES, time_zone: 'Europe/Oslo' },
      tiles: {
        audience: { segment_ids: [await segment(api)] },
        we_miss_you: { email_id: kept },
        last_chance: { email_id: draft.json().id },
      },
    });
    expect(made.statusCode).toBe(201);
    const id = made.json().id as string;
    await kit.pool.query("UPDATE journeys SET status = 'live', went_live_at = now() WHERE id = $1", [id]);
    return { id, kept, gone: draft.json().id as string, graph: made.json().graph, settings: made.json().settings };
  }

  it('copies a journey definition (not its state); a new journey keeps only the ids that still exist', async () => {
    const api = await workspace('templates-own');
    const source = await liveJourney(api);
    const saved = await api('POST', '/v1/templates', {
      kind: 'journey',
      source_id: source.id,
      name: 'Our win-back',
      description: 'two emails',
    });
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ kind: 'journey', built_in: false, source_id: source.id });
    expect(saved.json().definition).toEqual({ graph: source.graph, settings: source.settings });
    const templateId = saved.json().id as string;
    expect((await api('GET', '/v1/templates?kind=journey')).json().items.map((t: { id: string }) => t.id)).toContain(
      templateId,
    );
    expect((await api('GET', '/v1/templates?kind=email')).json().items).toHaveLength(2);

    expect((await api('DELETE', `/v1/emails/${source.gone}`)).statusCode).toBe(204);
    const made = await api('POST', '/v1/journeys/from-template', { template_id: templateId });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ name: 'Our win-back', status: 'draft', went_live_at: null });
    expect(made.json().dropped_references).toEqual([
      {
        field: 'graph.tiles.last_chance.config.email_id',
        message: `email ${source.gone} does not exist in this workspace`,
      },
    ]);
    const tiles = made.json().graph.tiles as Array<{ id: string; config?: Record<string, unknown> }>;
    expect(tiles.find((t) => t.id === 'we_miss_you')?.config).toEqual({ email_id: source.kept });
    expect(tiles.find((t) => t.id === 'last_chance')?.config).toEqual({});
    expect(made.json().settings.time_zone).toBe('Europe/Oslo');
    const check = (await api('POST', `/v1/journeys/${made.json().id}/check`)).json();
    expect(check.errors).toEqual([
      { field: 'graph.tiles.last_chance', message: 'tile "last_chance" (email): config.email_id is required' },
    ]);

    expect((await api('DELETE', `/v1/templates/${templateId}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/templates/${templateId}`)).statusCode).toBe(404);
    expect((await api('DELETE', `/v1/templates/${templateId}`)).statusCode).toBe(404);
  });

  it('copies an email draft; content settings that are gone are left out and named', async () => {
    const api = await workspace('templates-email');
    const other = await api('POST', '/v1/content-settings', {
      name: 'Other',
      subscription_center_url: 'https://prefs.example.com/o',
      postal_address: '2 Side St, Oslo',
    });
    const email = await api('POST', '/v1/emails/from-template', {
      template_id: 'builtin-email-announcement',
      from_address: 'news@example.com',
      content_settings_id: other.json().id,
      subject: 'Our own subject',
    });
    const saved = await api('POST', '/v1/templates', { kind: 'email', source_id: email.json().id, name: 'Ours' });
    expect(saved.statusCode).toBe(201);
    expect(saved.json().definition).toEqual(email.json().draft);
    expect(
      (await api('POST', '/v1/templates', { kind: 'journey', source_id: email.json().id, name: 'x' })).statusCode,
    ).toBe(404);

    expect((await api('DELETE', `/v1/content-settings/${other.json().id}`)).statusCode).toBe(204);
    const made = await api('POST', '/v1/emails/from-template', { template_id: saved.json().id });
    expect(made.statusCode).toBe(201);
    expect(made.json().draft).toMatchObject({ subject: 'Our own subject', content_settings_id: null });
    expect(made.json().dropped_references).toEqual([
      { field: 'content_settings_id', message: `content settings ${other.json().id} does not exist in this workspace` },
    ]);
    expect((await api('POST', `/v1/emails/${made.json().id}/check`)).json()).toEqual({ ok: true, errors: [] });
  });

  it("are the workspace's own: another workspace's templates and sources answer 404", async () => {
    const owner = await workspace('templates-owner');
    const source = await liveJourney(owner);
    const saved = (
      await owner('POST', '/v1/templates', { kind: 'journey', source_id: source.id, name: 'Mine' })
    ).json();

    const intruder = await workspace('templates-intruder');
    expect((await intruder('GET', `/v1/templates/${saved.id}`)).statusCode).toBe(404);
    expect((await intruder('GET', '/v1/templates')).json().items.map((t: { id: string }) => t.id)).not.toContain(
      saved.id,
    );
    expect((await intruder('DELETE', `/v1/templates/${saved.id}`)).statusCode).toBe(404);
    const used = await intruder('POST', '/v1/journeys/from-template', { template_id: saved.id });
    expect(used.statusCode).toBe(404);
    expect(used.json().errors[0].field).toBe('template_id');
    const copied = await intruder('POST', '/v1/templates', { kind: 'journey', source_id: source.id, name: 'Theirs' });
    expect(copied.statusCode).toBe(404);
    // the owner's email id given to a built-in: it names nothing in the intruder's workspace
    const foreign = await intruder('POST', '/v1/journeys/from-template', {
      template_id: 'builtin-journey-re-engagement',
      tiles: { we_miss_you: { email_id: source.kept } },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().errors[0].field).toBe('tiles.we_miss_you.email_id');
    expect((await owner('GET', `/v1/templates/${saved.id}`)).statusCode).toBe(200);
  });
});

describe('webhook destinations through a template', () => {
  it("a write key keeps the template's URL; a new URL in tiles needs the admin scope", async () => {
    const ws = await createWorkspace(kit, 'templates-webhook');
    const admin = client(kit, ws.key);
    const journey = await admin('POST', '/v1/journeys', {
      name: 'Hook',
      graph: {
        tiles: [
          { id: 'audience', type: 'segment', next: ['hook'], config: { segment_ids: [] } },
          { id: 'hook', type: 'launch_workflow', config: { workflow: 'crm', url: 'https://hooks.example.com/a' } },
        ],
      },
    });
    const saved = await admin('POST', '/v1/templates', { kind: 'journey', source_id: journey.json().id, name: 'Hook' });
    const writer = client(kit, (await createApiKey(kit.pool, { workspaceId: ws.id, scopes: ['read', 'write'] })).key);
    expect((await writer('POST', '/v1/journeys/from-template', { template_id: saved.json().id })).statusCode).toBe(201);
    const moved = { template_id: saved.json().id, tiles: { hook: { url: 'https://evil.example.com/b' } } };
    const refused = await writer('POST', '/v1/journeys/from-template', moved);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().errors[0].field).toBe('graph.tiles.hook.config.url');
    expect((await admin('POST', '/v1/journeys/from-template', moved)).statusCode).toBe(201);
  });
});
