import { client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
let api: ReturnType<typeof client>;
let workspaceId: string;
let liveEmailId: string;
let segmentId: string;
let key: string;

const count = async (table: string): Promise<number> =>
  (await kit.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId])).rows[0].n;

beforeAll(async () => {
  kit = await startApiKit({ importMaxBytes: 4096 });
  const ws = await createWorkspace(kit, 'bad');
  workspaceId = ws.id;
  key = ws.key;
  api = client(kit, ws.key);
  await api('POST', '/v1/content-settings', {
    name: 'D',
    subscription_center_url: 'https://p.example.com',
    postal_address: '1 Main St',
    is_default: true,
  });
  liveEmailId = (
    await api('POST', '/v1/emails', { name: 'ok', subject: 'Hi', from_address: 'a@example.com', body_mjml: MJML_OK })
  ).json().id;
  expect((await api('POST', `/v1/emails/${liveEmailId}/go-live`)).statusCode).toBe(200);
  segmentId = (await api('POST', '/v1/segments', { name: 's', kind: 'static' })).json().id;
});
afterAll(async () => {
  await kit.close();
});

const footer = '<a href="{{content.subscription_center_url}}">m</a> {{content.postal_address}}';
const mjml = (inner: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${inner}</mj-text></mj-column></mj-section></mj-body></mjml>`;

describe('emails: a failed error check is a 422 naming the field and freezes nothing', () => {
  it.each([
    ['invalid MJML', { body_mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>x' }, 'body_mjml', /never closed/],
    [
      'missing subscription link',
      { body_mjml: mjml('{{content.postal_address}}') },
      'body_mjml',
      /subscription-center link/,
    ],
    ['unresolvable merge field', { body_mjml: mjml(`{{contact.shoe_size}} ${footer}`) }, 'body_mjml', /shoe_size/],
    ['missing subject', { subject: '' }, 'subject', /subject is required/],
    ['invalid from address', { from_address: 'not-an-address' }, 'from_address', /valid address/],
    ['invalid link', { body_mjml: mjml(`<a href="javascript:alert(1)">x</a> ${footer}`) }, 'body_mjml', /javascript/],
  ])('%s', async (_name, change, field, message) => {
    // The draft is saved valid, then changed in PostgreSQL: the API now refuses an invalid from address at save
    // (issue 20, defect 4), and go-live must still refuse one saved before that check existed.
    const email = (
      await api('POST', '/v1/emails', {
        name: 'e',
        subject: 'Hi',
        from_address: 'a@example.com',
        body_mjml: mjml(footer),
      })
    ).json();
    await kit.pool.query('UPDATE emails SET draft = draft || $2::jsonb WHERE id = $1', [
      email.id,
      JSON.stringify(change),
    ]);
    const versionsBefore = await count('email_versions');
    const res = await api('POST', `/v1/emails/${email.id}/go-live`);
    expect(res.statusCode).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'https://cairn.dev/problems/check-failed', status: 422 });
    expect(res.json().errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
    expect(await count('email_versions')).toBe(versionsBefore);
    expect((await api('GET', `/v1/emails/${email.id}`)).json()).toMatchObject({ status: 'draft', live_version: null });
  });
});

const validGraph = () => ({
  tiles: [
    { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segmentId] } },
    { id: 'mail', type: 'email', next: ['end'], config: { email_id: liveEmailId } },
    { id: 'end', type: 'end' },
  ],
});
const settings = { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' };

describe('journeys: a failed error check is a 422 naming the tile and nothing changes', () => {
  it.each([
    [
      'cyclic graph',
      (g: ReturnType<typeof validGraph>) => (((g.tiles[1] as { next: string[] }).next = ['mail']), g),
      settings,
      'graph.tiles.mail',
      /cycle/,
    ],
    [
      'unreachable tile',
      (g: ReturnType<typeof validGraph>) => (g.tiles.push({ id: 'orphan', type: 'end' } as never), g),
      settings,
      'graph.tiles.orphan',
      /unreachable/,
    ],
    [
      'recurrence outside the window',
      (g: ReturnType<typeof validGraph>) => g,
      { ...settings, recurring: { interval_days: 10, count: 5 } },
      'settings.recurring',
      /50 days/,
    ],
  ])('%s', async (_name, mutate, journeySettings, field, message) => {
    const journey = (
      await api('POST', '/v1/journeys', { name: 'j', graph: mutate(validGraph()), settings: journeySettings })
    ).json();
    const res = await api('POST', `/v1/journeys/${journey.id}/go-live`);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
    expect((await api('GET', `/v1/journeys/${journey.id}`)).json().status).toBe('draft');
    expect((await api('GET', `/v1/journeys/${journey.id}/milestones`)).json().items).toEqual([]);
  });

  // issue 23 item 7: go-live used to accept both; the engine silently dropped every path but the first
  const segmentWithNext = (next: string[]) => {
    const graph = validGraph();
    (graph.tiles[0] as { next: string[] }).next = next;
    // a lone segment tile: without a next tile the others would only add "unreachable" issues
    return next.length === 0 ? { tiles: graph.tiles.slice(0, 1) } : graph;
  };
  it.each([
    ['two next tiles', ['mail', 'end'], /needs exactly one next tile, next names 2 tiles \(mail, end\)/],
    ['no next tile', [], /needs exactly one next tile, next is empty/],
  ])('a segment tile with %s is refused at go-live naming the tile', async (_name, next, message) => {
    const journey = (await api('POST', '/v1/journeys', { name: 'j', graph: segmentWithNext(next), settings })).json();
    const res = await api('POST', `/v1/journeys/${journey.id}/go-live`);
    expect([res.statusCode, res.headers.get('content-type')]).toEqual([422, expect.stringMatching(/problem\+json/)]);
    expect(res.json()).toMatchObject({ type: 'https://cairn.dev/problems/check-failed', status: 422 });
    expect(res.json().errors).toEqual([
      { field: 'graph.tiles.seg', message: expect.stringMatching(/^tile "seg" \(segment\): /) },
    ]);
    expect(res.json().errors[0].message).toMatch(message);
    expect((await api('GET', `/v1/journeys/${journey.id}`)).json().status).toBe('draft');
  });

  it('a valid journey goes live', async () => {
    const journey = (await api('POST', '/v1/journeys', { name: 'j', graph: validGraph(), settings })).json();
    expect((await api('POST', `/v1/journeys/${journey.id}/go-live`)).statusCode).toBe(200);
  });
});

describe('contact import', () => {
  const csv = (rows: string[]) => ['email,first_name,consent_level,city', ...rows].join('\n');
  const post = (body: string, type = 'text/csv', query = '') =>
    api('POST', `/v1/contacts/import${query}`, body, { 'content-type': type });

  it('upserts CSV by email, case-insensitively, with extra columns as attributes', async () => {
    const first = await post(csv(['ann@ex.com,Ann,3,Oslo', 'bob@ex.com,Bob,,Rome', 'ANN@ex.com,Annie,4,']));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: 3, created: 2, updated: 0, duplicates: 1, rejected: 0, errors: [] });
    const again = await post(csv(['bob@EX.com,Bobby,2,Paris']));
    expect(again.json()).toMatchObject({ created: 0, updated: 1 });
    const { rows } = await kit.pool.query(
      "SELECT first_name, consent_level, attributes FROM contacts WHERE workspace_id = $1 AND lower(email) IN ('ann@ex.com', 'bob@ex.com') ORDER BY email",
      [workspaceId],
    );
    expect(rows).toEqual([
      { first_name: 'Annie', consent_level: 4, attributes: {} },
      { first_name: 'Bobby', consent_level: 2, attributes: { city: 'Paris' } },
    ]);
  });

  it('imports NDJSON', async () => {
    const body = [
      JSON.stringify({ email: 'nd1@ex.com', time_zone: 'Europe/Oslo', attributes: { plan: 'pro' } }),
      JSON.stringify({ email: 'nd2@ex.com', do_not_bulk_email: true }),
    ].join('\n');
    const res = await post(body, 'application/x-ndjson');
    expect(res.json()).toMatchObject({ received: 2, created: 2 });
  });

  it.each([
    [
      'malformed CSV rows',
      csv(['ok1@ex.com,A,1,x', 'ok2@ex.com,B', 'not-an-email,C,1,x', 'ok3@ex.com,D,9,x']),
      'text/csv',
      422,
      ['rows[3].row', 'rows[4].email', 'rows[5].consent_level'],
    ],
    ['an unterminated quote', csv(['ok@ex.com,"A,1,x']), 'text/csv', 400, ['body']],
    ['a CSV without an email column', 'name\nx', 'text/csv', 400, ['header']],
    ['malformed NDJSON', '{"email":"a@ex.com"}\n{oops', 'application/x-ndjson', 422, ['rows[2].row']],
    [
      'an oversized import',
      csv(Array.from({ length: 200 }, (_, i) => `big${i}@ex.com,Name,1,City`)),
      'text/csv',
      413,
      [],
    ],
  ])('%s gives a clear 4xx and persists nothing', async (_name, body, type, status, fields) => {
    const before = await count('contacts');
    const res = await post(body, type);
    expect(res.statusCode).toBe(status);
    expect(res.json().status).toBe(status);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(fields);
    expect(await count('contacts')).toBe(before);
  });

  it('stops a chunked upload (no content-length) at the byte limit and persists nothing', async () => {
    const before = await count('contacts');
    const rows = Array.from({ length: 200 }, (_, i) => `chunk${i}@ex.com,Name,1,City\n`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('email,first_name,consent_level,city\n'));
        for (const row of rows) controller.enqueue(new TextEncoder().encode(row));
        controller.close();
      },
    });
    const res = await fetch(`${kit.baseUrl}/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await count('contacts')).toBe(before);
  });

  it('on_error=skip imports the valid rows and reports the rest', async () => {
    const res = await post(csv(['skip1@ex.com,A,1,x', 'bad,B,1,x']), 'text/csv', '?on_error=skip');
    expect(res.json()).toMatchObject({
      received: 2,
      created: 1,
      rejected: 1,
      errors: [{ row: 3, field: 'email', message: 'is not a valid address' }],
    });
  });
});

describe('request validation', () => {
  it('names the field in a problem document', async () => {
    const res = await api('POST', '/v1/contacts', { email: 'x@ex.com', consent_level: 9 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ title: 'Request is invalid', errors: [{ field: 'consent_level' }] });
    const missing = await api('POST', '/v1/content-settings', { name: 'x' });
    expect(
      missing
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['postal_address', 'subscription_center_url']);
    const bad = await api('POST', '/v1/segments', {
      name: 's',
      kind: 'dynamic',
      definition: { field: 'password', op: 'eq', value: 1 },
    });
    expect(bad.json().errors).toEqual([
      { field: 'definition.field', message: expect.stringMatching(/unknown field "password"/) },
    ]);
    expect((await api('GET', '/v1/contacts?cursor=zzz')).json().errors[0].field).toBe('querystring.cursor');
  });

  it('answers a duplicate email with 409 naming the field', async () => {
    expect((await api('POST', '/v1/contacts', { email: 'dup@ex.com' })).statusCode).toBe(201);
    const res = await api('POST', '/v1/contacts', { email: 'DUP@ex.com' });
    expect(res.statusCode).toBe(409);
    expect(res.json().errors).toEqual([{ field: 'email', message: 'already exists' }]);
  });

  it('rejects an oversized JSON body with 413 before parsing', async () => {
    const res = await api('POST', '/v1/accounts', { name: 'x', attributes: { blob: 'x'.repeat(2_000_000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json().status).toBe(413);
  });
});
