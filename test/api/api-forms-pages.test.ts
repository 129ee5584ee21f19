import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Issue 24 (docs/pages-and-forms.md, docs/api.md#forms-and-pages): forms and pages through the API: drafts,
 * go-live freezing a version, every rule of the definition check answered 422 naming its field, the page
 * sanitizer, embedded forms pinned, tenancy and the workspace's form origins.
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit({ ingestPublicUrl: 'https://in.example.net' });
});
afterAll(async () => {
  await kit?.close();
});

type Api = ReturnType<typeof client>;

const EMAIL = { name: 'email', kind: 'email', label: 'Email', required: true };
const NAME = { name: 'first_name', kind: 'text', label: 'First name', required: false, max_length: 100 };

async function workspace(name: string): Promise<Api> {
  return client(kit, (await createWorkspace(kit, name)).key);
}

async function list(api: Api): Promise<string> {
  const made = await api('POST', '/v1/lists', { name: 'News' });
  expect(made.statusCode).toBe(201);
  return made.json().id;
}

describe('forms', () => {
  it('are drafts with public URLs; go-live freezes a version a later edit does not change; stop; delete', async () => {
    const api = await workspace('forms-crud');
    const made = await api('POST', '/v1/forms', { name: 'Signup', definition: { fields: [EMAIL, NAME] } });
    expect(made.statusCode).toBe(201);
    const form = made.json();
    expect(form).toMatchObject({ name: 'Signup', status: 'draft', live_version: null });
    expect(form.definition).toMatchObject({ fields: [EMAIL, NAME], min_fill_seconds: 3, double_opt_in: false });
    expect(form.submit_url).toBe(`https://in.example.net/forms/${form.id}/submit`);
    expect(form.embed.script).toBe(`<script src="https://in.example.net/forms/${form.id}/embed.js" async></script>`);
    // ingest's renderer (lib/domain/forms/form-html.ts) without a ticket: the plain HTML fallback
    expect(form.embed.html).toContain(`<form method="post" action="https://in.example.net/forms/${form.id}/submit"`);
    expect(form.embed.html).not.toContain('cairn_ticket');
    expect(form.embed.html).toMatch(
      /<input type="email" id="cairn-[0-9a-f]{8}-0" name="email" maxlength="254" value="" required>/,
    );
    expect(form.embed.html).toMatch(
      /<input type="text" id="cairn-[0-9a-f]{8}-1" name="first_name" maxlength="100" value="">/,
    );
    expect(form.embed.html).toContain('name="website"');

    // status, live_version and workspace_id are not writable (400 naming the field, nothing changed)
    for (const field of ['status', 'live_version', 'workspace_id']) {
      const res = await api('PATCH', `/v1/forms/${form.id}`, { [field]: field === 'status' ? 'live' : 1 });
      expect([field, res.statusCode, res.json().errors[0].field]).toEqual([field, 400, field]);
    }
    expect((await api('POST', `/v1/forms/${form.id}/stop`)).statusCode).toBe(409);
    const live = await api('POST', `/v1/forms/${form.id}/go-live`);
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ status: 'live', live_version: 1 });
    const edited = await api('PATCH', `/v1/forms/${form.id}`, {
      name: 'Signup 2',
      definition: { fields: [EMAIL, { ...NAME, label: 'Your <b>name</b>' }] },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ name: 'Signup 2', status: 'live', live_version: 1 });
    // the embed HTML is the live version's until the next go-live
    expect(edited.json().embed.html).toContain('>First name</label>');
    const v1 = await api('GET', `/v1/forms/${form.id}/versions/1`);
    expect(v1.statusCode).toBe(200);
    expect(v1.json().definition.fields[1].label).toBe('First name');
    const again = await api('POST', `/v1/forms/${form.id}/go-live`);
    expect(again.json()).toMatchObject({ live_version: 2 });
    expect(again.json().embed.html).toContain('>Your &#60;b&#62;name&#60;/b&#62;</label>');
    expect((await api('GET', `/v1/forms/${form.id}/versions/1`)).json().definition.fields[1].label).toBe('First name');

    expect((await api('DELETE', `/v1/forms/${form.id}`)).statusCode).toBe(409);
    const stopped = await api('POST', `/v1/forms/${form.id}/stop`);
    expect(stopped.json()).toMatchObject({ status: 'stopped', live_version: 2 });
    expect((await api('POST', `/v1/forms/${form.id}/stop`)).json()).toMatchObject({
      status: 409,
      errors: [{ field: 'status', message: 'stopped' }],
    });

    const draft = (await api('POST', '/v1/forms', { name: 'Draft' })).json();
    const page1 = await api('GET', '/v1/forms?limit=1');
    expect(page1.json().items).toHaveLength(1);
    const page2 = await api('GET', `/v1/forms?limit=1&cursor=${page1.json().next_cursor}`);
    expect([page1.json().items[0].id, page2.json().items[0].id].sort()).toEqual([form.id, draft.id].sort());
    expect((await api('DELETE', `/v1/forms/${draft.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/forms/${draft.id}`)).statusCode).toBe(404);
  });

  it('refuse each broken rule with 422 naming the field, and write nothing', async () => {
    const api = await workspace('forms-rules');
    const other = await workspace('forms-rules-other');
    const listId = await list(api);
    const foreignList = await list(other);
    const form = (await api('POST', '/v1/forms', { name: 'F' })).json();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a field of kind text named email', { fields: [{ ...EMAIL, kind: 'text' }] }, 'definition.fields[0].kind'],
      ['an email field not required', { fields: [{ ...EMAIL, required: false }] }, 'definition.fields[0].required'],
      ['two fields of one name', { fields: [EMAIL, NAME, NAME] }, 'definition.fields[2].name'],
      ['an unknown contact field', { fields: [EMAIL, { ...NAME, name: 'nickname' }] }, 'definition.fields[1].name'],
      ['a bad attribute key', { fields: [EMAIL, { ...NAME, name: 'attributes.Bad' }] }, 'definition.fields[1].name'],
      ['31 fields', { fields: Array.from({ length: 31 }, () => EMAIL) }, 'definition.fields'],
      ['a long label', { fields: [EMAIL, { ...NAME, label: 'x'.repeat(201) }] }, 'definition.fields[1].label'],
      ['a control character', { fields: [EMAIL, { ...NAME, label: 'a\u0007' }] }, 'definition.fields[1].label'],
      ['max_length 0', { fields: [EMAIL, { ...NAME, max_length: 0 }] }, 'definition.fields[1].max_length'],
      ['max_length 5001', { fields: [EMAIL, { ...NAME, max_length: 5001 }] }, 'definition.fields[1].max_length'],
      ['an unknown key', { fields: [EMAIL, { ...NAME, colour: 'red' }] }, 'definition.fields[1].colour'],
      ['a select with no options', { fields: [EMAIL, select([])] }, 'definition.fields[1].options'],
      ['101 options', { fields: [EMAIL, select(options(101))] }, 'definition.fields[1].options'],
      [
        'a repeated value',
        { fields: [EMAIL, select([...options(1), ...options(1)])] },
        'definition.fields[1].options[1].value',
      ],
      ['a lists field with no options', { fields: [EMAIL, lists([])] }, 'definition.fields[1].options'],
      ['a list of no workspace', { fields: [EMAIL, lists(['nope'])] }, 'definition.fields[1].options[0].value'],
      [
        'a list of another workspace',
        { fields: [EMAIL, lists([foreignList])] },
        'definition.fields[1].options[0].value',
      ],
      ['a list id of another workspace', { list_ids: [foreignList] }, 'definition.list_ids[0]'],
      ['a list id twice', { list_ids: [listId, listId] }, 'definition.list_ids[1]'],
      ['a list id that is no uuid', { list_ids: ['x'] }, 'definition.list_ids[0]'],
      ['consent level 6', { consent_level: 6 }, 'definition.consent_level'],
      ['min_fill_seconds 3601', { min_fill_seconds: 3601 }, 'definition.min_fill_seconds'],
      [
        'a long thank-you',
        { thank_you: { kind: 'message', message: 'x'.repeat(2001) } },
        'definition.thank_you.message',
      ],
      [
        'a javascript: redirect',
        { thank_you: { kind: 'redirect', url: 'javascript:alert(1)' } },
        'definition.thank_you.url',
      ],
      [
        'a redirect with credentials',
        { thank_you: { kind: 'redirect', url: 'https://a:b@x.com/' } },
        'definition.thank_you.url',
      ],
      ['a bad sender', { confirmation: { from_address: 'not an address' } }, 'definition.confirmation.from_address'],
      ['an unknown setting', { colour: 'red' }, 'definition.colour'],
    ];
    for (const [what, definition, field] of cases) {
      const res = await api('PATCH', `/v1/forms/${form.id}`, { definition });
      expect([what, res.statusCode]).toEqual([what, 422]);
      expect([what, res.json().errors.map((e: { field: string }) => e.field)]).toEqual([
        what,
        expect.arrayContaining([field]),
      ]);
    }
    expect((await api('GET', `/v1/forms/${form.id}`)).json().definition.fields).toEqual([EMAIL]);
    const ok = await api('PATCH', `/v1/forms/${form.id}`, {
      definition: { fields: [EMAIL, lists([listId])], list_ids: [listId], consent_level: 2 },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().embed.html).toMatch(
      new RegExp(`<input type="checkbox" id="[^"]+" name="lists" value="${listId}"> News</label>`),
    );
  });

  it('check at go-live what a draft may leave incomplete', async () => {
    const api = await workspace('forms-go-live');
    const form = (await api('POST', '/v1/forms', { name: 'F', definition: { fields: [NAME] } })).json();
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ fields: [NAME] }, 'definition.fields'],
      [{ fields: [EMAIL], double_opt_in: true }, 'definition.confirmation.from_address'],
      [
        {
          fields: [EMAIL],
          double_opt_in: false,
          thank_you: { kind: 'redirect', url: 'https://shop.example.com/thanks' },
        },
        'definition.thank_you.url',
      ],
    ];
    for (const [definition, field] of refusals) {
      expect((await api('PATCH', `/v1/forms/${form.id}`, { definition })).statusCode).toBe(200);
      const check = await api('POST', `/v1/forms/${form.id}/check`);
      expect(check.json()).toMatchObject({ ok: false, errors: [{ field }] });
      const res = await api('POST', `/v1/forms/${form.id}/go-live`);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ field })]);
      expect((await api('GET', `/v1/forms/${form.id}`)).json()).toMatchObject({ status: 'draft', live_version: null });
    }
    expect((await api('PATCH', '/v1/workspace', { form_origins: ['https://shop.example.com'] })).statusCode).toBe(200);
    expect((await api('POST', `/v1/forms/${form.id}/check`)).json()).toEqual({ ok: true, errors: [] });
    expect((await api('POST', `/v1/forms/${form.id}/go-live`)).statusCode).toBe(200);

    // the confirmation's sender is checked as an email's From: under 'strict', a verified sending domain
    const optIn = (
      await api('POST', '/v1/forms', {
        name: 'Opt-in',
        definition: { double_opt_in: true, confirmation: { from_address: 'news@unverified.example.com' } },
      })
    ).json();
    Object.assign(kit.config, { sendingDomains: 'strict' });
    try {
      const res = await api('POST', `/v1/forms/${optIn.id}/go-live`);
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'definition.confirmation.from_address' })]);
    } finally {
      Object.assign(kit.config, { sendingDomains: 'relaxed' });
    }
    expect((await api('POST', `/v1/forms/${optIn.id}/go-live`)).statusCode).toBe(200);
  });
});

function options(count: number) {
  return Array.from({ length: count }, (_, i) => ({ value: `v${i}`, label: `Option ${i}` }));
}
function select(opts: unknown[]) {
  return { name: 'attributes.size', kind: 'select', label: 'Size', required: false, options: opts };
}
function lists(ids: string[]) {
  return {
    name: 'lists',
    kind: 'checkbox',
    label: 'Lists',
    required: false,
    options: ids.map((value) => ({ value, label: 'News' })),
  };
}

describe('workspace form origins', () => {
  it('are canonical origins, each refusal naming form_origins[i]', async () => {
    const api = await workspace('form-origins');
    const bad = [
      'https://Shop.example.com',
      'https://shop.example.com/',
      'https://shop.example.com/path',
      'https://shop.example.com?q=1',
      'https://user:pw@shop.example.com',
      'ftp://shop.example.com',
      'https://shop.example.com:443',
      'shop.example.com',
      'https://shop.example.com#x',
    ];
    for (const origin of bad) {
      const res = await api('PATCH', '/v1/workspace', { form_origins: ['https://ok.example.com', origin] });
      expect([origin, res.statusCode]).toEqual([origin, 422]);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'form_origins[1]' })]);
    }
    const tooMany = Array.from({ length: 21 }, (_, i) => `https://s${i}.example.com`);
    expect((await api('PATCH', '/v1/workspace', { form_origins: tooMany })).statusCode).toBe(400);
    const good = ['https://shop.example.com', 'http://127.0.0.1:8088', 'https://xn--bcher-kva.example'];
    const res = await api('PATCH', '/v1/workspace', { form_origins: good });
    expect(res.statusCode).toBe(200);
    expect(res.json().form_origins).toEqual(good);
    expect((await api('GET', '/v1/workspace')).json().form_origins).toEqual(good);
  });
});
