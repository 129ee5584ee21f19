import { newId } from '../support/test-env';
import { startIngestKit, stopIngestKit, type IngestKit } from './ingest-kit';
import { tokenFor } from './ingest-support';
import { body, count, eventsWhere, formDefinition, insertForm, insertPage, PUBLIC_URL, ticketIn } from './forms-kit';

// Marketing pages on ingest (docs/pages-and-forms.md#pages, #landing-page-links): served with their forms and a
// strict CSP, each visit an event; a landing-page link carries the message's context into the visit and the lead.
let kit: IngestKit;
let formId: string;
let pageId: string;

beforeAll(async () => {
  kit = await startIngestKit('cairn_forms_pages', { CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL });
  formId = await insertForm(kit.pool, kit.s.workspaceId, formDefinition(kit.s.listIds));
  pageId = await insertPage(kit.pool, kit.s.workspaceId, [formId]);
}, 60_000);

afterAll(() => stopIngestKit(kit));

describe('GET /p/<page id>', () => {
  it('serves the live version with its form, a strict CSP and no caching, and records an anonymous visit', async () => {
    const res = await kit.send(kit.client(), 'GET', `/p/${pageId}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-security-policy':
        "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    });
    expect(res.body).toContain(`<form method="post" action="/forms/${formId}/submit"`);
    expect(res.body).not.toContain('{{form');
    // every label escaped, the honeypot hidden from people and from autofill
    expect(res.body).toContain('First &#60;b&#62;name&#60;/b&#62;');
    expect(res.body).toMatch(/<input type="text" name="website" value="" tabindex="-1" autocomplete="off">/);
    expect(res.body).toContain(`name="lists" value="${kit.s.listIds[0]}"`);
    expect(res.body).not.toMatch(/<script/i);
    ticketIn(res, formId);
    const [visit] = await eventsWhere(kit, 'page_visited', (d) => d.page_id === pageId);
    expect(visit?.data).toMatchObject({
      workspace_id: kit.s.workspaceId,
      contact_id: '',
      message_id: '',
      email_id: '',
      page_version: 1,
      machine: false,
      country: null,
    });
  });

  it('labels machine traffic: a scanner agent is recorded with its reason', async () => {
    const page = await insertPage(kit.pool, kit.s.workspaceId, [formId]);
    expect(
      (await kit.send(kit.client(), 'GET', `/p/${page}`, undefined, { 'user-agent': 'curl/8.0' })).statusCode,
    ).toBe(200);
    const [visit] = await eventsWhere(kit, 'page_visited', (d) => d.page_id === page);
    expect(visit?.data).toMatchObject({ machine: true, machine_reason: 'scanner_ua' });
  });

  it('is a 404 for an unknown, stopped or malformed page id, and records nothing', async () => {
    const stopped = await insertPage(kit.pool, kit.s.workspaceId, [formId], 'stopped');
    for (const path of [`/p/${newId()}`, `/p/${stopped}`, '/p/not-a-uuid', `/p/${pageId}'--`]) {
      const res = await kit.send(kit.client(), 'GET', path);
      expect([path, res.statusCode]).toEqual([path, 404]);
    }
    await kit.send(kit.client(), 'GET', `/p/${pageId}`);
    await eventsWhere(kit, 'page_visited', (d) => d.page_id === pageId, 2);
    expect(kit.reader.events.filter((e) => e.type === 'page_visited' && e.data.page_id === stopped)).toEqual([]);
  });
});

describe('a landing-page link', () => {
  it('carries the message into the visit, the submission and the lead (origin landing_page)', async () => {
    const destination = `${PUBLIC_URL}/p/${pageId}?utm_source=spring`;
    await kit.pool.query(
      `INSERT INTO email_links (email_id, version, link_id, url, kind) VALUES ($1, 1, 'landing', $2, 'link')`,
      [kit.s.emailId, destination],
    );
    const { rows: journey } = await kit.pool.query<{ id: string }>(
      `INSERT INTO journeys (workspace_id, name) VALUES ($1, 'Spring') RETURNING id::text`,
      [kit.s.workspaceId],
    );
    const journeyId = journey[0]?.id ?? '';
    const { token, messageId } = tokenFor(kit.s, { linkId: 'landing', journeyId });
    const click = await kit.send(kit.client(), 'GET', `/c/${token}`);
    expect(click.statusCode).toBe(302);
    const location = new URL(String(click.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(`${PUBLIC_URL}/p/${pageId}`);
    expect(location.searchParams.get('utm_source')).toBe('spring');
    const landing = location.searchParams.get('cairn_landing') ?? '';
    expect(landing).not.toBe('');

    const page = await kit.send(kit.client(), 'GET', `${location.pathname}${location.search}`);
    expect(page.body).toContain(`name="cairn_landing" value="${landing}"`);
    const [visit] = await eventsWhere(kit, 'page_visited', (d) => d.message_id === messageId);
    expect(visit?.data).toMatchObject({ contact_id: kit.s.contactId, email_id: kit.s.emailId, page_id: pageId });

    const email = `lena.${newId().slice(0, 8)}@example.com`;
    const post = body({ cairn_ticket: ticketIn(page, formId), cairn_landing: landing, email, website: '' });
    const res = await kit.send(kit.client(), 'POST', `/forms/${formId}/submit`, post, { origin: PUBLIC_URL });
    expect(res.statusCode).toBe(200);
    const [lead] = await eventsWhere(kit, 'lead_generated', (d) => d.message_id === messageId);
    expect(lead?.data).toMatchObject({
      origin: 'landing_page',
      email_id: kit.s.emailId,
      workspace_id: kit.s.workspaceId,
    });
    // the lead names the journey whose message led to the page (GET /v1/leads?journey_id=…)
    const { rows } = await kit.pool.query('SELECT origin, submission_id, journey_id::text FROM leads WHERE id = $1', [
      lead?.data.lead_id,
    ]);
    expect(rows).toEqual([{ origin: 'landing_page', submission_id: expect.any(String), journey_id: journeyId }]);
    const [submitted] = await eventsWhere(kit, 'form_submitted', (d) => d.message_id === messageId);
    expect(submitted?.data).toMatchObject({ form_id: formId, page_id: pageId, lead_outcome: 'created' });
  });

  it('is left as it is for any other destination, and a forged landing token makes an anonymous visit', async () => {
    const { token } = tokenFor(kit.s, { linkId: kit.s.links.safe });
    const click = await kit.send(kit.client(), 'GET', `/c/${token}`);
    expect(click.headers.location).not.toContain('cairn_landing');
    const forged = tokenFor(kit.s, { messageId: newId() }, 'open');
    const page = await kit.send(kit.client(), 'GET', `/p/${pageId}?cairn_landing=${forged.token}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('name="cairn_landing"');
    await kit.send(kit.client(), 'GET', `/p/${pageId}`);
    expect(await count(kit.pool, 'form_submissions WHERE message_id = $1', [forged.messageId])).toBe(0);
    expect(kit.reader.byMessage(forged.messageId)).toEqual([]);
  });
});
