import { startAggregator } from '../aggregator/aggregator-harness';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { BROWSER_UA, httpRequest, ingestConfig, startIngest } from './ingest-support';
import { body, PUBLIC_URL, ticketIn } from './forms-kit';

// Issue 24 end to end: a form and a page made live through the API (docs/api.md#forms-and-pages) are what ingest
// serves and takes submissions for (docs/pages-and-forms.md#submissions), and its events are the page and form
// insights' (docs/pages-and-forms.md#insights) through the aggregator: the shapes the three agree on.
let api: ApiKit;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let aggregator: Awaited<ReturnType<typeof startAggregator>>;

beforeAll(async () => {
  api = await startApiKit({ ingestPublicUrl: PUBLIC_URL });
  ingest = await startIngest(ingestConfig(api.env, { CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL }));
  aggregator = await startAggregator(api.env);
}, 60_000);

afterAll(async () => {
  await aggregator?.stop();
  await ingest?.cleanup();
  await api?.close();
});

it('serves a page the API made live and accepts its form: contact, lead and insights', async () => {
  const ws = client(api, (await createWorkspace(api, 'forms-e2e')).key);
  const definition = {
    fields: [
      { name: 'email', kind: 'email', label: 'Email', required: true },
      { name: 'first_name', kind: 'text', label: 'First name', required: false },
    ],
    create_lead: true,
    min_fill_seconds: 0,
    thank_you: { kind: 'message', message: 'See you soon' },
  };
  const form = (await ws('POST', '/v1/forms', { name: 'Signup', definition })).json();
  expect((await ws('POST', `/v1/forms/${form.id}/go-live`)).statusCode).toBe(200);
  const content = `<h1>Spring</h1>{{form "${form.id}"}}`;
  const made = await ws('POST', '/v1/pages', {
    name: 'Spring',
    definition: { title: 'Spring', content_type: 'html', content },
  });
  expect(made.statusCode).toBe(201);
  const live = await ws('POST', `/v1/pages/${made.json().id}/go-live`);
  expect(live.statusCode).toBe(200);
  const publicUrl = new URL(String(live.json().public_url ?? made.json().public_url));
  expect(publicUrl.origin).toBe(PUBLIC_URL);

  const page = await httpRequest(ingest.url(), { url: publicUrl.pathname, headers: { 'user-agent': BROWSER_UA } });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('<h1>Spring</h1>');
  const email = `e2e.${newId().slice(0, 8)}@example.com`;
  const res = await httpRequest(ingest.url(), {
    method: 'POST',
    url: `/forms/${form.id}/submit`,
    payload: body({ cairn_ticket: ticketIn(page, form.id), email, first_name: 'Eva', website: '' }),
    headers: { origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER_UA },
  });
  expect([res.statusCode, res.body]).toEqual([200, expect.stringContaining('See you soon')]);
  const { rows } = await api.pool.query(
    `SELECT c.first_name, l.title, l.origin FROM contacts c JOIN leads l ON l.contact_id = c.id WHERE c.email = $1`,
    [email],
  );
  expect(rows).toEqual([{ first_name: 'Eva', title: 'Signup', origin: 'form' }]);

  const insights = async (path: string) => (await ws('GET', path)).json();
  const visited = await waitFor(
    () => insights(`/v1/insights/pages/${made.json().id}`),
    (figures) => figures.submissions === 1,
  );
  expect(visited).toMatchObject({ visits: 1, uniqueVisitors: 1, submissions: 1, machineVisits: 0 });
  expect(await insights(`/v1/insights/forms/${form.id}`)).toMatchObject({
    submissions: 1,
    contactsCreated: 1,
    leadsCreated: 1,
  });
}, 60_000);
