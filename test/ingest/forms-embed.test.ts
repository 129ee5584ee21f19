import { newId } from '../support/test-env';
import { startIngestKit, stopIngestKit, type IngestKit } from './ingest-kit';
import { body, count, eventsWhere, formDefinition, insertForm, PUBLIC_URL, SHOP_ORIGIN } from './forms-kit';

// The embed script, its fragment, CORS on the form routes and the ticketless plain HTML fallback
// (docs/pages-and-forms.md#embedding-a-form, docs/ingest.md#marketing-pages-and-forms).
let kit: IngestKit;
let formId: string;
const EVIL = 'https://evil.example';

beforeAll(async () => {
  kit = await startIngestKit('cairn_forms_embed', { CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL });
  await kit.pool.query('UPDATE workspaces SET form_origins = $2 WHERE id = $1', [kit.s.workspaceId, [SHOP_ORIGIN]]);
  // min_fill_seconds cannot hold a ticketless post back: 60 here proves it is not applied to one
  formId = await insertForm(kit.pool, kit.s.workspaceId, formDefinition(kit.s.listIds, { min_fill_seconds: 60 }));
}, 60_000);

afterAll(() => stopIngestKit(kit));

const get = (url: string, headers: Record<string, string> = {}) =>
  kit.send(kit.client(), 'GET', url, undefined, headers);
const post = (fields: Record<string, string>, headers: Record<string, string>, ip = kit.client()) =>
  kit.send(ip, 'POST', `/forms/${formId}/submit`, body(fields), headers);
const uniqueEmail = (name: string) => `${name}.${newId().slice(0, 8)}@Example.com`;
const submissionsOf = (email: string) =>
  count(kit.pool, 'form_submissions WHERE form_id = $1 AND fields->>$2 = lower($3)', [formId, 'email', email]);
const contactsOf = (email: string) =>
  count(kit.pool, 'contacts WHERE workspace_id = $1 AND lower(email) = lower($2)', [kit.s.workspaceId, email]);

describe('the embed script and its fragment', () => {
  it('serves the script as static JavaScript with a long cache', async () => {
    const res = await get(`/forms/${formId}/embed.js`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body.length).toBeLessThan(8_000);
    expect(res.body).not.toMatch(/\beval\(|innerHTML|document\.cookie|new Function/);
    expect((await get('/forms/not-a-form/embed.js')).statusCode).toBe(404);
  });

  it('answers the fragment with a fresh ticket and CORS for ingest and the allowed origins only', async () => {
    for (const origin of [SHOP_ORIGIN, PUBLIC_URL]) {
      const res = await get(`/forms/${formId}/embed`, { origin });
      expect([origin, res.statusCode]).toEqual([origin, 200]);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers.vary).toBe('Origin');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain(`action="${PUBLIC_URL}/forms/${formId}/submit"`);
      expect(res.body).toMatch(/name="cairn_ticket" value="[A-Za-z0-9_-]{100,}"/);
      expect(res.body).toContain('First &#60;b&#62;name&#60;/b&#62;');
    }
    const tickets = await Promise.all([1, 2].map(() => get(`/forms/${formId}/embed`, { origin: SHOP_ORIGIN })));
    expect(new Set(tickets.map((t) => /name="cairn_ticket" value="([^"]+)"/.exec(t.body)?.[1])).size).toBe(2);
    const refusedOrigins: Record<string, string>[] = [{ origin: EVIL }, {}, { origin: 'null' }];
    for (const headers of refusedOrigins) {
      const res = await get(`/forms/${formId}/embed`, headers);
      expect([headers, res.statusCode]).toEqual([headers, 403]);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.body).not.toContain('<form');
    }
    expect((await get(`/forms/${newId()}/embed`, { origin: SHOP_ORIGIN })).statusCode).toBe(404);
  });
});

describe('CORS on the submit route', () => {
  it('answers a preflight for an allowed origin only', async () => {
    const preflight = (origin: string, form = formId) =>
      kit.send(kit.client(), 'OPTIONS', `/forms/${form}/submit`, undefined, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'accept',
      });
    const ok = await preflight(SHOP_ORIGIN);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': SHOP_ORIGIN,
      'access-control-allow-methods': 'POST',
      vary: 'Origin',
    });
    const refused = await preflight(EVIL);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight(SHOP_ORIGIN, newId())).statusCode).toBe(404);
  });

  it('the JSON answers carry CORS for the allowed origin; a refused origin gets none', async () => {
    const fragment = await get(`/forms/${formId}/embed`, { origin: SHOP_ORIGIN });
    const ticket = /name="cairn_ticket" value="([^"]+)"/.exec(fragment.body)?.[1] ?? '';
    const headers = { origin: SHOP_ORIGIN, accept: 'application/json' };
    // the form's min_fill_seconds is 60: a refusal, read by the page on the shop's origin
    const early = await post({ cairn_ticket: ticket, email: uniqueEmail('early') }, headers);
    expect([early.statusCode, early.headers['access-control-allow-origin']]).toEqual([422, SHOP_ORIGIN]);
    expect(early.json()).toMatchObject({ errors: [{ field: 'form' }] });
    const evil = await post({ cairn_ticket: ticket, email: uniqueEmail('evil') }, { ...headers, origin: EVIL });
    expect([evil.statusCode, evil.headers['access-control-allow-origin']]).toEqual([403, undefined]);
  });
});

describe('the plain HTML fallback (no ticket)', () => {
  const plain = { 'user-agent': 'Mozilla/5.0 plain', accept: 'text/html' };

  it('is accepted from an allowed origin; the same post twice is one submission; the fill time is not checked', async () => {
    const email = uniqueEmail('plain');
    const fields = { email, first_name: 'Pia', website: '' };
    const first = await post(fields, { ...plain, origin: SHOP_ORIGIN });
    expect([first.statusCode, first.body]).toEqual([200, expect.stringContaining('Thanks &#60;for&#62; signing up')]);
    expect(first.headers['access-control-allow-origin']).toBe(SHOP_ORIGIN);
    const again = await post(fields, { origin: SHOP_ORIGIN, accept: 'application/json' });
    expect(again.statusCode).toBe(200);
    const { rows } = await kit.pool.query<{ id: string }>(
      'SELECT id FROM form_submissions WHERE form_id = $1 AND fields->>$2 = lower($3)',
      [formId, 'email', email],
    );
    expect(rows).toHaveLength(1);
    expect((again.json() as { submission_id: string }).submission_id).toBe(rows[0]?.id);
    expect(await contactsOf(email)).toBe(1);
    const events = await eventsWhere(kit, 'form_submitted', (d) => d.submission_id === rows[0]?.id);
    expect(events[0]?.data).toMatchObject({ form_id: formId, page_id: null });
    // other values are another submission
    await post({ ...fields, first_name: 'Pia-Maria' }, { ...plain, origin: SHOP_ORIGIN });
    expect(await submissionsOf(email)).toBe(2);
  });

  it('is refused without an allowed origin, and checked like any post', async () => {
    const email = uniqueEmail('nobody');
    for (const headers of [plain, { ...plain, origin: PUBLIC_URL }]) {
      const res = await post({ email, first_name: 'No' }, headers);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('name="first_name" value="No"');
    }
    const evil = await post({ email }, { ...plain, origin: EVIL });
    expect(evil.statusCode).toBe(403);
    const bad = await post({ email: 'not an address', first_name: 'Bo' }, { ...plain, origin: SHOP_ORIGIN });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/name="email"[^>]*value="not an address"[^>]*>[^<]*<span class="cairn-error"/);
    // the form shown again has a ticket of its own, so the corrected post from ingest's page goes through
    expect(bad.body).toMatch(/name="cairn_ticket" value="[A-Za-z0-9_-]{100,}"/);
    const bot = await post({ email, website: 'http://spam.example' }, { ...plain, origin: SHOP_ORIGIN });
    expect(bot.statusCode).toBe(200);
    expect([await submissionsOf(email), await contactsOf(email)]).toEqual([0, 0]);
  });

  it('is rate limited per email like any post', async () => {
    const email = uniqueEmail('many');
    const answers: number[] = [];
    for (let i = 0; i < 6; i++)
      answers.push((await post({ email, first_name: `N${i}` }, { ...plain, origin: SHOP_ORIGIN })).statusCode);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await submissionsOf(email)).toBe(5);
  });
});
