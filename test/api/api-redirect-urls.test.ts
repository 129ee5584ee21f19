import { randomUUID } from 'node:crypto';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/*
 * Redirect URLs through the API (docs/api.md#redirect-urls, docs/redirect-urls.md): the destination is checked and
 * canonicalised at creation and never changes after; the answer carries the short URL on ingest's public origin;
 * another workspace's redirect URL is 404 on every route, its insights included.
 */
const INGEST = 'https://go.cairn.test';
let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit({ ingestPublicUrl: INGEST });
});
afterAll(async () => {
  await kit?.close();
});

type Api = ReturnType<typeof client>;
const workspace = async (name: string): Promise<Api> => client(kit, (await createWorkspace(kit, name)).key);

describe('POST /v1/redirect-urls', () => {
  it('makes a short URL on ingest for the canonical destination', async () => {
    const api = await workspace('redirects-create');
    const made = await api('POST', '/v1/redirect-urls', {
      name: 'Spring flyer',
      destination: 'HTTPS://Shop.Example.com/spring/../sale?utm_source=flyer',
    });
    expect(made.statusCode).toBe(201);
    const body = made.json();
    expect(body).toMatchObject({
      name: 'Spring flyer',
      destination: 'https://shop.example.com/sale?utm_source=flyer',
      disabled: false,
      disabled_at: null,
    });
    expect(body.code).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(body.short_url).toBe(`${INGEST}/r/${body.code}`);
    expect(body).not.toHaveProperty('workspace_id');
    const { rows } = await kit.pool.query('SELECT destination FROM redirect_urls WHERE id = $1', [body.id]);
    expect(rows).toEqual([{ destination: 'https://shop.example.com/sale?utm_source=flyer' }]);
  });

  it.each([
    { destination: 'javascript:alert(1)', message: 'http or https' },
    { destination: 'https://user:secret@example.com/', message: 'user name or password' },
    { destination: 'http://127.0.0.1:8081/admin', message: 'loopback' },
    { destination: 'http://10.0.0.8/', message: 'private' },
    { destination: 'http://[::1]/', message: 'loopback' },
    { destination: 'http://localhost/', message: 'loopback name' },
    { destination: `https://example.com/${'x'.repeat(2100)}`, message: 'at most 2048' },
    { destination: 'not a url', message: 'absolute URL' },
    { destination: `${INGEST}/r/AbCdEfGh`, message: 'another redirect URL' },
  ])(
    'refuses a bad destination ($message) with a 422 naming destination, and stores nothing',
    async ({ destination, message }) => {
      const api = await workspace('redirects-bad');
      const res = await api('POST', '/v1/redirect-urls', { name: 'Bad', destination });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([{ field: 'destination', message: expect.stringContaining(message) }]);
      expect((await api('GET', '/v1/redirect-urls')).json().items).toEqual([]);
    },
  );

  it('names a missing or unknown field (400), and cannot mass-assign code, workspace or dates', async () => {
    const api = await workspace('redirects-schema');
    const missing = await api('POST', '/v1/redirect-urls', { name: 'No destination' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([{ field: 'destination', message: expect.any(String) }]);
    for (const extra of ['code', 'workspace_id', 'disabled_at', 'id']) {
      const res = await api('POST', '/v1/redirect-urls', {
        name: 'x',
        destination: 'https://example.com/',
        [extra]: extra === 'code' ? 'Chosen12' : randomUUID(),
      });
      expect([extra, res.statusCode, res.json().errors]).toEqual([
        extra,
        400,
        [{ field: extra, message: 'is not a writable field' }],
      ]);
    }
  });
});

describe('a redirect URL', () => {
  it('can be renamed, disabled and enabled, never given another destination (422 naming destination)', async () => {
    const api = await workspace('redirects-patch');
    const made = (await api('POST', '/v1/redirect-urls', { name: 'A', destination: 'https://example.com/a' })).json();
    const moved = await api('PATCH', `/v1/redirect-urls/${made.id}`, { destination: 'https://evil.example.net/' });
    expect(moved.statusCode).toBe(422);
    expect(moved.json().errors).toEqual([{ field: 'destination', message: 'is fixed at creation' }]);
    const same = await api('PATCH', `/v1/redirect-urls/${made.id}`, { name: 'B', destination: made.destination });
    expect(same.statusCode).toBe(422);
    const renamed = await api('PATCH', `/v1/redirect-urls/${made.id}`, { name: 'B', disabled: true });
    expect(renamed.json()).toMatchObject({ name: 'B', destination: 'https://example.com/a', disabled: true });
    expect((await api('PATCH', `/v1/redirect-urls/${made.id}`, { disabled: false })).json()).toMatchObject({
      disabled: false,
      disabled_at: null,
      code: made.code,
    });
    expect((await api('DELETE', `/v1/redirect-urls/${made.id}`)).statusCode).toBe(204);
    const got = (await api('GET', `/v1/redirect-urls/${made.id}`)).json();
    expect(got).toMatchObject({ disabled: true, code: made.code, destination: 'https://example.com/a' });
    expect((await api('GET', '/v1/redirect-urls?disabled=true')).json().items.map((r: { id: string }) => r.id)).toEqual(
      [made.id],
    );
    expect((await api('GET', '/v1/redirect-urls?disabled=false')).json().items).toEqual([]);
  });

  it('lists page by page with a cursor', async () => {
    const api = await workspace('redirects-list');
    for (const n of [1, 2, 3])
      await api('POST', '/v1/redirect-urls', { name: `R${n}`, destination: `https://example.com/${n}` });
    const first = (await api('GET', '/v1/redirect-urls?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await api('GET', `/v1/redirect-urls?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
  });

  it("of another workspace is 404 everywhere, and the other workspace's key changes nothing", async () => {
    const owner = await workspace('redirects-owner');
    const other = await workspace('redirects-other');
    const made = (
      await owner('POST', '/v1/redirect-urls', { name: 'Mine', destination: 'https://example.com/' })
    ).json();
    const attempts: [Parameters<Api>[0], string, unknown?][] = [
      ['GET', `/v1/redirect-urls/${made.id}`],
      ['PATCH', `/v1/redirect-urls/${made.id}`, { name: 'Taken' }],
      ['PATCH', `/v1/redirect-urls/${made.id}`, { disabled: true }],
      ['DELETE', `/v1/redirect-urls/${made.id}`],
      ['GET', `/v1/insights/redirect-urls/${made.id}`],
      ['GET', `/v1/insights/redirect-urls/${made.id}/clicks`],
      ['GET', `/v1/insights/redirect-urls/${made.id}/clicks.csv`],
    ];
    for (const [method, url, payload] of attempts)
      expect([method, url, (await other(method, url, payload)).statusCode]).toEqual([method, url, 404]);
    expect((await other('GET', '/v1/redirect-urls')).json().items).toEqual([]);
    expect((await owner('GET', `/v1/redirect-urls/${made.id}`)).json()).toMatchObject({
      name: 'Mine',
      disabled: false,
    });
    expect((await owner('GET', `/v1/insights/redirect-urls/${made.id}`)).json()).toEqual({
      clicks: 0,
      humanClicks: 0,
      machineClicks: 0,
      countries: [],
      days: [],
    });
  });
});
