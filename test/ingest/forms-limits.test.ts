import { newId } from '../support/test-env';
import { startIngestKit, stopIngestKit, type IngestKit } from './ingest-kit';
import { metricValue } from './ingest-process';
import { waitFor } from '../support/wait-for';
import { BROWSER_UA, httpRequest, ingestConfig, startIngest } from './ingest-support';
import { body, count, formDefinition, insertForm, insertPage, PUBLIC_URL, ticketIn } from './forms-kit';

// Kafka away, spam defences shared across instances (docs/pages-and-forms.md#spam-defences) and the lead lock
// (docs/pages-and-forms.md#leads): two ingest apps on one Redis and one PostgreSQL.
let kit: IngestKit;
let other: Awaited<ReturnType<typeof startIngest>>;
let formId: string;
let pageId: string;
const LIMITS = {
  CAIRN_INGEST_PUBLIC_URL: PUBLIC_URL,
  CAIRN_INGEST_FORM_PER_EMAIL: '2',
  CAIRN_INGEST_FORM_PER_IP: '50',
};

beforeAll(async () => {
  kit = await startIngestKit('cairn_forms_limits', LIMITS);
  other = await startIngest(ingestConfig(kit.env, { CAIRN_INGEST_TRUST_PROXY: 'true', ...LIMITS }));
  formId = await insertForm(kit.pool, kit.s.workspaceId, formDefinition(kit.s.listIds));
  pageId = await insertPage(kit.pool, kit.s.workspaceId, [formId]);
}, 60_000);

afterAll(async () => {
  await other?.cleanup();
  await stopIngestKit(kit);
});

const headers = { accept: 'application/json', origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' };
const ticket = async () => ticketIn(await kit.send(kit.client(), 'GET', `/p/${pageId}`), formId);
const postTo = async (baseUrl: string, email: string) =>
  httpRequest(baseUrl, {
    method: 'POST',
    url: `/forms/${formId}/submit`,
    payload: body({ cairn_ticket: await ticket(), email }),
    headers: { ...headers, 'x-forwarded-for': kit.client() },
  });

it('counts submissions per email in Redis across ingest instances: the third within the hour gets 429', async () => {
  const email = `rate.${newId().slice(0, 8)}@example.com`;
  expect((await postTo(kit.ingest.url(), email)).statusCode).toBe(200);
  expect((await postTo(other.url(), email)).statusCode).toBe(200);
  const third = await postTo(kit.ingest.url(), email);
  expect(third.statusCode).toBe(429);
  expect(Number(third.headers['retry-after'])).toBeGreaterThan(3000);
  expect(third.json()).toMatchObject({ errors: [{ field: 'email' }] });
  expect(await count(kit.pool, 'form_submissions WHERE fields->>$1 = $2', ['email', email])).toBe(2);
  const metrics = await (await fetch(`${kit.ingest.metricsUrl()}/metrics`)).text();
  expect(metricValue(metrics, 'cairn_ingest_form_submissions_total', 'outcome="rate_limited"')).toBe(1);
});

it('makes one lead of two concurrent submissions by one new contact, one on each instance', async () => {
  const email = `race.${newId().slice(0, 8)}@example.com`;
  const answers = await Promise.all([postTo(kit.ingest.url(), email), postTo(other.url(), email)]);
  expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
  const { rows } = await kit.pool.query(
    `SELECT count(DISTINCT c.id)::int AS contacts, count(DISTINCT l.id)::int AS leads,
            array_agg(s.lead_outcome ORDER BY s.lead_outcome) AS outcomes
       FROM contacts c JOIN form_submissions s ON s.contact_id = c.id LEFT JOIN leads l ON l.contact_id = c.id
      WHERE c.workspace_id = $1 AND c.email = $2`,
    [kit.s.workspaceId, email],
  );
  expect(rows).toEqual([{ contacts: 1, leads: 1, outcomes: ['created', 'updated'] }]);
});

it('counts a filled honeypot in its metric', async () => {
  const res = await httpRequest(kit.ingest.url(), {
    method: 'POST',
    url: `/forms/${formId}/submit`,
    payload: body({ cairn_ticket: await ticket(), email: 'bot@example.com', website: 'x' }),
    headers: { ...headers, 'x-forwarded-for': kit.client() },
  });
  expect(res.statusCode).toBe(200);
  const metrics = await (await fetch(`${kit.ingest.metricsUrl()}/metrics`)).text();
  expect(metricValue(metrics, 'cairn_ingest_form_submissions_total', 'outcome="honeypot"')).toBe(1);
});

it('serves a page and accepts a submission while Kafka is unreachable: their events wait in the spool', async () => {
  const down = await startIngest(ingestConfig(kit.env, { ...LIMITS, CAIRN_KAFKA_BROKERS: '127.0.0.1:9' }));
  try {
    const page = await httpRequest(down.url(), { url: `/p/${pageId}`, headers: { 'user-agent': BROWSER_UA } });
    expect(page.statusCode).toBe(200);
    const res = await httpRequest(down.url(), {
      method: 'POST',
      url: `/forms/${formId}/submit`,
      payload: body({ cairn_ticket: ticketIn(page, formId), email: `away.${newId().slice(0, 8)}@example.com` }),
      headers: { ...headers, 'x-forwarded-for': kit.client() },
    });
    expect(res.statusCode).toBe(200);
    // the visit, form_submitted and lead_generated, each durable in the spool before the answer or soon after it
    await waitFor(
      () => down.sink.spoolDepth,
      (depth) => depth >= 3,
    );
  } finally {
    await down.cleanup();
  }
}, 60_000);
