import { newId } from '../support/test-env';
import { startIngestKit, stopIngestKit, type IngestKit } from './ingest-kit';
import { answerBeforeBody } from './ingest-support';
import {
  body,
  count,
  eventsWhere,
  formDefinition,
  insertForm,
  insertPage,
  PUBLIC_URL,
  SHOP_ORIGIN,
  ticketIn,
} from './forms-kit';

// Form submissions on ingest (docs/pages-and-forms.md#submissions, #leads, #double-opt-in): one transaction, events
// whose ids derive from the submission id, replays that change nothing.
let kit: IngestKit;
let formId: string;
let pageId: string;
const JSON_ACCEPT = { accept: 'application/json', origin: PUBLIC_URL };

beforeAll(async () => {
  kit = await startIngestKit('cairn_forms_submit', { CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL });
  await kit.pool.query('UPDATE workspaces SET form_origins = $2 WHERE id = $1', [kit.s.workspaceId, [SHOP_ORIGIN]]);
  formId = await insertForm(kit.pool, kit.s.workspaceId, formDefinition(kit.s.listIds));
  pageId = await insertPage(kit.pool, kit.s.workspaceId, [formId]);
}, 60_000);

afterAll(() => stopIngestKit(kit));

const freshTicket = async (form = formId, page = pageId): Promise<string> =>
  ticketIn(await kit.send(kit.client(), 'GET', `/p/${page}`), form);
const submit = (
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = JSON_ACCEPT,
  form = formId,
) => kit.send(kit.client(), 'POST', `/forms/${form}/submit`, body(fields), headers);
const errorsOf = (res: { json(): unknown }): unknown => (res.json() as { errors?: unknown }).errors;
const uniqueEmail = (name: string) => `${name}.${newId().slice(0, 8)}@Example.com`;
const written = async (email: string) => ({
  contacts: await count(kit.pool, 'contacts WHERE workspace_id = $1 AND lower(email) = lower($2)', [
    kit.s.workspaceId,
    email,
  ]),
  submissions: await count(kit.pool, 'form_submissions WHERE form_id = $1 AND fields->>$2 = lower($3)', [
    formId,
    'email',
    email,
  ]),
});

describe('an accepted submission', () => {
  it('creates the contact and one lead, joins the lists with a consent record; its replay changes nothing', async () => {
    const email = uniqueEmail('mira');
    const fields = {
      cairn_ticket: await freshTicket(),
      email,
      first_name: 'Mira',
      company: 'Acme',
      'attributes.size': '12',
      lists: [kit.s.listIds[0] ?? ''],
      website: '',
    };
    const res = await submit(fields);
    expect([res.statusCode, res.json()]).toEqual([200, expect.objectContaining({ status: 'accepted' })]);
    const { rows: contacts } = await kit.pool.query(
      'SELECT id, email, first_name, attributes, consent_level FROM contacts WHERE workspace_id = $1 AND email = $2',
      [kit.s.workspaceId, email.toLowerCase()],
    );
    expect(contacts).toEqual([
      expect.objectContaining({ first_name: 'Mira', attributes: { company: 'Acme', size: 12 }, consent_level: 4 }),
    ]);
    const contactId = contacts[0].id as string;
    const state = async () => ({
      leads: (await kit.pool.query('SELECT origin FROM leads WHERE contact_id = $1', [contactId])).rows,
      lists: (
        await kit.pool.query('SELECT list_id FROM list_memberships WHERE contact_id = $1 AND unsubscribed_at IS NULL', [
          contactId,
        ])
      ).rows,
      consent: (
        await kit.pool.query('SELECT source, consent_level, list_ids FROM consent_records WHERE contact_id = $1', [
          contactId,
        ])
      ).rows,
      submissions: await count(kit.pool, 'form_submissions WHERE contact_id = $1', [contactId]),
    });
    const first = await state();
    expect(first).toEqual({
      leads: [{ origin: 'form' }],
      lists: [{ list_id: kit.s.listIds[0] }],
      consent: [{ source: 'submission', consent_level: 4, list_ids: [kit.s.listIds[0]] }],
      submissions: 1,
    });
    const events = await eventsWhere(kit, 'form_submitted', (d) => d.contact_id === contactId);
    expect(events[0]?.data).toMatchObject({ contact_outcome: 'created', lead_outcome: 'created', message_id: '' });
    const [lead] = await eventsWhere(kit, 'lead_generated', (d) => d.contact_id === contactId);
    expect(lead?.data).toMatchObject({ origin: 'form', message_id: '' });

    const replay = await submit(fields);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(res.json());
    expect(await state()).toEqual(first);
    const again = await eventsWhere(kit, 'form_submitted', (d) => d.contact_id === contactId, 2);
    const leadsAgain = await eventsWhere(kit, 'lead_generated', (d) => d.contact_id === contactId, 2);
    expect(new Set(again.map((e) => e.data.event_id)).size).toBe(1);
    expect(new Set(leadsAgain.map((e) => e.data.event_id)).size).toBe(1);
    expect(again[1]?.data).toEqual(again[0]?.data);
  });

  it('answers the replay of a submission whose contact was erased since, recording nothing', async () => {
    const email = uniqueEmail('gone');
    const fields = { cairn_ticket: await freshTicket(), email };
    expect((await submit(fields)).statusCode).toBe(200);
    const { rows } = await kit.pool.query('SELECT id FROM contacts WHERE email = $1', [email.toLowerCase()]);
    const contactId = rows[0].id as string;
    // what the API's erasure does to these rows (services/api/contact-erasure.ts)
    await kit.pool.query(
      `UPDATE form_submissions SET contact_id = NULL, fields = '{}'::jsonb, country = NULL, user_agent = NULL WHERE contact_id = $1`,
      [contactId],
    );
    await kit.pool.query('DELETE FROM contacts WHERE id = $1', [contactId]);
    const replay = await submit(fields);
    expect(replay.statusCode).toBe(200);
    expect(await count(kit.pool, 'contacts WHERE lower(email) = lower($1)', [email])).toBe(0);
    await eventsWhere(kit, 'form_submitted', (d) => d.contact_id === contactId);
    expect(
      kit.reader.events.filter((e) => e.type === 'form_submitted' && e.data.contact_id === contactId),
    ).toHaveLength(1);
  });

  it('updates the contact and touches its open lead on a second submission by the same email', async () => {
    const email = uniqueEmail('otto');
    await submit({ cairn_ticket: await freshTicket(), email, first_name: 'Otto' });
    const res = await submit({ cairn_ticket: await freshTicket(), email: email.toUpperCase(), last_name: 'Berg' });
    expect(res.statusCode).toBe(200);
    const { rows } = await kit.pool.query(
      'SELECT c.id, c.first_name, c.last_name, count(l.id)::int AS leads FROM contacts c LEFT JOIN leads l ON l.contact_id = c.id WHERE c.workspace_id = $1 AND lower(c.email) = lower($2) GROUP BY c.id',
      [kit.s.workspaceId, email],
    );
    expect(rows).toEqual([expect.objectContaining({ first_name: 'Otto', last_name: 'Berg', leads: 1 })]);
    const events = await eventsWhere(kit, 'form_submitted', (d) => d.contact_id === rows[0].id, 2);
    expect(events.map((e) => [e.data.contact_outcome, e.data.lead_outcome])).toEqual([
      ['created', 'created'],
      ['updated', 'updated'],
    ]);
  });

  it('answers a browser with the thank-you page, or 303 to a redirect on an allowed origin only', async () => {
    const html = await submit(
      { cairn_ticket: await freshTicket(), email: uniqueEmail('ida') },
      { origin: SHOP_ORIGIN },
    );
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('Thanks &#60;for&#62; signing up');
    for (const [url, status] of [
      [`${SHOP_ORIGIN}/thanks?x=1`, 303],
      ['https://evil.example/thanks', 200],
    ] as const) {
      const form = await insertForm(
        kit.pool,
        kit.s.workspaceId,
        formDefinition([], { thank_you: { kind: 'redirect', url } }),
      );
      const page = await insertPage(kit.pool, kit.s.workspaceId, [form]);
      // browsers hold the redirect answering a post to form-action too: an allowed redirect's origin is in it
      const csp = String((await kit.send(kit.client(), 'GET', `/p/${page}`)).headers['content-security-policy']);
      expect(csp).toContain(status === 303 ? `form-action 'self' ${SHOP_ORIGIN};` : "form-action 'self';");
      const fields = { cairn_ticket: await freshTicket(form, page), email: uniqueEmail('jon') };
      const res = await submit(fields, { origin: PUBLIC_URL }, form);
      expect([res.statusCode, res.headers.location]).toEqual([status, status === 303 ? url : undefined]);
    }
  });

  it('with double opt-in writes a pending confirmation and joins no list', async () => {
    const definition = formDefinition(kit.s.listIds, { double_opt_in: true, list_ids: [kit.s.listIds[1] ?? ''] });
    const form = await insertForm(kit.pool, kit.s.workspaceId, definition);
    const page = await insertPage(kit.pool, kit.s.workspaceId, [form]);
    const email = uniqueEmail('dora');
    const res = await submit({ cairn_ticket: await freshTicket(form, page), email }, JSON_ACCEPT, form);
    expect(res.statusCode).toBe(200);
    const { rows } = await kit.pool.query(
      `SELECT f.list_ids, f.consent_level, f.expires_at > now() + interval '6 days' AS week, c.consent_level AS contact_consent,
              (SELECT count(*)::int FROM list_memberships m WHERE m.contact_id = c.id) AS memberships,
              (SELECT count(*)::int FROM consent_records r WHERE r.contact_id = c.id) AS records
         FROM form_confirmations f JOIN contacts c ON c.id = f.contact_id WHERE c.email = $1`,
      [email.toLowerCase()],
    );
    expect(rows).toEqual([
      { list_ids: [kit.s.listIds[1]], consent_level: 4, week: true, contact_consent: 0, memberships: 0, records: 0 },
    ]);
    const [event] = await eventsWhere(kit, 'form_submitted', (d) => d.form_id === form);
    expect(event?.data.confirmation_pending).toBe(true);
  });
});

/** The status ingest answers a form post whose body it has not got yet (answerBeforeBody). */
const formPostBeforeBody = (url: string, origin: string): Promise<number> =>
  answerBeforeBody(kit.ingest.url(), url, { origin, 'content-type': 'application/x-www-form-urlencoded' }, 'email=');

describe('a refused submission writes nothing', () => {
  it('answers a disallowed Origin 403 before reading the body, and an unknown form 404', async () => {
    expect(await formPostBeforeBody(`/forms/${formId}/submit`, 'https://evil.example')).toBe(403);
    expect(await formPostBeforeBody(`/forms/${newId()}/submit`, PUBLIC_URL)).toBe(404);
    expect(await formPostBeforeBody('/forms/not-a-uuid/submit', PUBLIC_URL)).toBe(404);
  });

  it.each([
    ['a missing email', { email: '' }, 'email'],
    ['a malformed email', { email: 'ann@@example.com' }, 'email'],
    ['an oversized field', { company: 'x'.repeat(81) }, 'company'],
    ['control characters', { first_name: 'Ann\r\nBcc: x@example.com' }, 'first_name'],
    ['an unknown field', { is_admin: '1' }, 'is_admin'],
    ['a number out of bounds', { 'attributes.size': '100000' }, 'attributes.size'],
    ['a list not offered', { lists: newId() }, 'lists'],
  ])('%s: 422 naming the field', async (_case, extra: Record<string, string>, field) => {
    const email = uniqueEmail('eve');
    const res = await submit({ cairn_ticket: await freshTicket(), email, ...extra });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      status: 422,
      errors: expect.arrayContaining([expect.objectContaining({ field })]),
    });
    expect(await written(email)).toEqual({ contacts: 0, submissions: 0 });
  });

  it('shows a browser the page again with the values kept (escaped) and the error by its field', async () => {
    const res = await submit(
      { cairn_ticket: await freshTicket(), email: 'not an address', first_name: '"><script>x</script>' },
      { origin: PUBLIC_URL },
    );
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('<h1>Spring demo</h1>');
    expect(res.body).toContain('value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toMatch(/name="email"[^>]*value="not an address"[^>]*>[^<]*<span class="cairn-error"/);
  });

  it('refuses a disallowed Origin (403) before the body, and a forged or missing ticket (400) with a fresh form', async () => {
    const email = uniqueEmail('mal');
    const ticket = await freshTicket();
    const cross = await submit(
      { cairn_ticket: ticket, email },
      { origin: 'https://evil.example', accept: 'application/json' },
    );
    expect([cross.statusCode, cross.json()]).toEqual([
      403,
      expect.objectContaining({ errors: [expect.objectContaining({ field: 'origin' })] }),
    ]);
    const forged = `${ticket.slice(0, -2)}${ticket.endsWith('AA') ? 'AB' : 'AA'}`;
    for (const bad of [forged, '', 'x']) {
      const res = await submit({ cairn_ticket: bad, email });
      expect([res.statusCode, errorsOf(res)]).toEqual([400, [expect.objectContaining({ field: 'cairn_ticket' })]]);
    }
    const page = await submit({ email, first_name: 'Ann' }, { origin: PUBLIC_URL });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('name="first_name" value="Ann"');
    expect(page.body).toMatch(/name="cairn_ticket" value="[A-Za-z0-9_-]{100,}"/);
    expect(await written(email)).toEqual({ contacts: 0, submissions: 0 });
  });

  it('answers a filled honeypot with the thank-you and records nothing; refuses a form sent too fast', async () => {
    const email = uniqueEmail('bot');
    const res = await submit({ cairn_ticket: await freshTicket(), email, website: 'http://spam.example' });
    expect([res.statusCode, res.json()]).toEqual([200, expect.objectContaining({ status: 'accepted' })]);
    const slow = await insertForm(kit.pool, kit.s.workspaceId, formDefinition([], { min_fill_seconds: 60 }));
    const page = await insertPage(kit.pool, kit.s.workspaceId, [slow]);
    const fast = await submit({ cairn_ticket: await freshTicket(slow, page), email }, JSON_ACCEPT, slow);
    expect([fast.statusCode, errorsOf(fast)]).toEqual([422, [expect.objectContaining({ field: 'form' })]]);
    expect(await written(email)).toEqual({ contacts: 0, submissions: 0 });
  });
});
