import { call, client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Issue 24 (docs/pages-and-forms.md#pages, docs/api.md#forms-and-pages): pages through the API: go-live compiles
 * MJML once, removes active content and keeps the form placeholders, pins the live version of every embedded
 * form; a page or form of another workspace is 404 and cannot be embedded or referenced (422).
 */
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit({ ingestPublicUrl: 'https://in.example.net' });
});
afterAll(async () => {
  await kit?.close();
});

type Api = ReturnType<typeof client>;

async function workspace(name: string): Promise<Api> {
  return client(kit, (await createWorkspace(kit, name)).key);
}

async function form(api: Api, live: boolean): Promise<string> {
  const made = await api('POST', '/v1/forms', { name: 'Signup' });
  expect(made.statusCode).toBe(201);
  if (live) expect((await api('POST', `/v1/forms/${made.json().id}/go-live`)).statusCode).toBe(200);
  return made.json().id;
}

const placeholder = (id: string): string => `{{form "${id}"}}`;

/** Every kind of active content the sanitizer removes, beside markup it keeps. */
const ACTIVE = [
  '<script>alert(1)</script>',
  '<p onclick="alert(2)" onmouseover="alert(3)">handlers</p>',
  '<a href="javascript:alert(4)">js link</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD4=">data link</a>',
  '<iframe src="https://evil.example.com/"></iframe>',
  '<object data="https://evil.example.com/x.swf"></object>',
  '<embed src="https://evil.example.com/x.swf">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example.com/">',
  '<base href="https://evil.example.com/">',
  '<form action="https://evil.example.com/steal"><input name="password"><button>Send</button></form>',
  '<svg><script>alert(5)</script></svg>',
];
const KEPT = [
  '<h1 class="hero">Welcome</h1>',
  '<a href="https://example.com/more">More</a>',
  '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" />',
  '<table width="100%"><tbody><tr><td style="color:#333">Cell</td></tr></tbody></table>',
];

describe('pages', () => {
  it('go live sanitized, with their placeholders kept and the live versions of their forms pinned', async () => {
    const api = await workspace('pages-live');
    const [a, b] = [await form(api, false), await form(api, true)];
    const content = [...ACTIVE, ...KEPT, `<div>${placeholder(a)}</div>`, placeholder(b), placeholder(a)].join('\n');
    const made = await api('POST', '/v1/pages', {
      name: 'Landing',
      definition: { title: 'Hello', content_type: 'html', content },
    });
    expect(made.statusCode).toBe(201);
    const page = made.json();
    expect(page).toMatchObject({ status: 'draft', public_url: `https://in.example.net/p/${page.id}` });

    // a draft form cannot be embedded in a live page: 422 naming the placeholder, nothing frozen
    const refused = await api('POST', `/v1/pages/${page.id}/go-live`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([
      { field: 'definition.content', message: `${placeholder(a)}: the form is draft; set it live first` },
    ]);
    expect((await api('GET', `/v1/pages/${page.id}/versions/1`)).statusCode).toBe(404);

    expect((await api('POST', `/v1/forms/${a}/go-live`)).statusCode).toBe(200);
    expect((await api('POST', `/v1/forms/${a}/go-live`)).statusCode).toBe(200);
    const live = await api('POST', `/v1/pages/${page.id}/go-live`);
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ status: 'live', live_version: 1 });
    const version = (await api('GET', `/v1/pages/${page.id}/versions/1`)).json();
    expect(version.title).toBe('Hello');
    expect(version.forms).toEqual([
      { form_id: a, version: 2 },
      { form_id: b, version: 1 },
      { form_id: a, version: 2 },
    ]);
    const html: string = version.html;
    for (const gone of ['<script', 'alert', 'onclick', 'onmouseover', 'javascript:', 'data:text', '<iframe', '<object'])
      expect([gone, html.includes(gone)]).toEqual([gone, false]);
    for (const gone of ['<embed', 'http-equiv', '<base', '<form', '<input', '<button', 'evil.example.com'])
      expect([gone, html.includes(gone)]).toEqual([gone, false]);
    for (const kept of KEPT) expect(html).toContain(kept.replace(' />', ' />'));
    expect(html).toContain(`<div>${placeholder(a)}</div>`);
    expect(html.split(placeholder(a))).toHaveLength(3);
  });

  it('compile MJML once; a placeholder survives MJML and the sanitizer; MJML errors name the content', async () => {
    const api = await workspace('pages-mjml');
    const id = await form(api, true);
    const mjml = `<mjml><mj-body><mj-section><mj-column><mj-text>Join us</mj-text>
      <mj-raw><div class="form">${placeholder(id)}</div><script>alert(1)</script></mj-raw>
      </mj-column></mj-section></mj-body></mjml>`;
    const page = (
      await api('POST', '/v1/pages', { name: 'M', definition: { title: 'M', content_type: 'mjml', content: mjml } })
    ).json();
    expect((await api('POST', `/v1/pages/${page.id}/go-live`)).statusCode).toBe(200);
    const version = (await api('GET', `/v1/pages/${page.id}/versions/1`)).json();
    expect(version.html).toContain(`<div class="form">${placeholder(id)}</div>`);
    expect(version.html).toContain('Join us');
    expect(version.html).not.toContain('<script');
    expect(version.forms).toEqual([{ form_id: id, version: 1 }]);

    const broken = '<mjml><mj-body><mj-section><mj-column><mj-text>x</mj-column></mj-section></mj-body></mjml>';
    await api('PATCH', `/v1/pages/${page.id}`, { definition: { content: broken } });
    const res = await api('POST', `/v1/pages/${page.id}/go-live`);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].field).toBe('definition.content');
    // the frozen version is unchanged, and still live
    expect((await api('GET', `/v1/pages/${page.id}`)).json()).toMatchObject({ status: 'live', live_version: 1 });
  });

  it('refuse a broken definition with 422 naming the field', async () => {
    const api = await workspace('pages-rules');
    const other = await workspace('pages-rules-other');
    const foreignForm = await form(other, true);
    const settings = await other('POST', '/v1/content-settings', {
      name: 'S',
      subscription_center_url: 'https://p.example.com',
      postal_address: '1 Main St',
    });
    const page = (await api('POST', '/v1/pages', { name: 'P' })).json();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: 'x'.repeat(201) }, 'definition.title'],
      [{ title: 'a\nb' }, 'definition.title'],
      [{ content_type: 'pdf' }, 'definition.content_type'],
      [{ content: placeholder(foreignForm) }, 'definition.content'],
      [{ content_settings_id: settings.json().id }, 'definition.content_settings_id'],
      [{ content_settings_id: 'nope' }, 'definition.content_settings_id'],
      [{ script: 'x' }, 'definition.script'],
    ];
    for (const [definition, field] of cases) {
      const res = await api('PATCH', `/v1/pages/${page.id}`, { definition });
      expect([definition, res.statusCode]).toEqual([definition, 422]);
      expect(res.json().errors).toEqual([expect.objectContaining({ field })]);
    }
    const empty = await api('POST', `/v1/pages/${page.id}/go-live`);
    expect(empty.json().errors.map((e: { field: string }) => e.field)).toEqual([
      'definition.title',
      'definition.content',
    ]);
  });
});

describe('tenancy', () => {
  it("another workspace's forms and pages answer 404 to every route", async () => {
    const owner = await workspace('tenancy-owner');
    const intruder = await workspace('tenancy-intruder');
    const formId = await form(owner, true);
    const page = (
      await owner('POST', '/v1/pages', { name: 'P', definition: { title: 'T', content: placeholder(formId) } })
    ).json();
    expect((await owner('POST', `/v1/pages/${page.id}/go-live`)).statusCode).toBe(200);
    for (const [kind, id] of [
      ['forms', formId],
      ['pages', page.id],
    ]) {
      const routes: Array<[Parameters<Api>[0], string, unknown?]> = [
        ['GET', `/v1/${kind}/${id}`],
        ['PATCH', `/v1/${kind}/${id}`, { name: 'mine' }],
        ['DELETE', `/v1/${kind}/${id}`],
        ['POST', `/v1/${kind}/${id}/check`],
        ['POST', `/v1/${kind}/${id}/go-live`],
        ['POST', `/v1/${kind}/${id}/stop`],
        ['GET', `/v1/${kind}/${id}/versions/1`],
      ];
      for (const [method, url, body] of routes)
        expect([method, url, (await intruder(method, url, body)).statusCode]).toEqual([method, url, 404]);
      expect((await intruder('GET', `/v1/${kind}`)).json().items).toEqual([]);
    }
    expect((await owner('GET', `/v1/forms/${formId}`)).json()).toMatchObject({ name: 'Signup', status: 'live' });
  });
});

describe('OpenAPI document', () => {
  it('lists the forms and pages routes', async () => {
    const paths = Object.keys((await call(kit.baseUrl, 'GET', '/docs/json')).json().paths);
    for (const kind of ['forms', 'pages'])
      expect(paths).toEqual(
        expect.arrayContaining([
          `/v1/${kind}`,
          `/v1/${kind}/{id}`,
          `/v1/${kind}/{id}/check`,
          `/v1/${kind}/{id}/go-live`,
          `/v1/${kind}/{id}/stop`,
          `/v1/${kind}/{id}/versions/{version}`,
        ]),
      );
  });
});
