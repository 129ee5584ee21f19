import { simpleParser } from 'mailparser';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { consumerLag } from '../../lib/platform/kafka/kafka-client';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { addDefaultContentSettings, client, createWorkspace, MJML_OK } from '../api/api-test-kit';
import { body, ticketIn } from '../ingest/forms-kit';
import { BROWSER_UA, httpRequest, ingestConfig, startIngest } from '../ingest/ingest-support';
import { JourneyEventsKit } from '../scheduler/journey-events-kit';
import { DAY_MS } from '../scheduler/scheduler-harness';
import { collectEvents, senderConfig } from '../sender/sender-kit';
import { RecordingSmtp } from '../support/recording-smtp';
import { newId, testLogger } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Issue 24's inbound journey on real components (docs/pages-and-forms.md#inbound-journeys): a form and a page made
// live through the API, served and submitted on ingest (docs/pages-and-forms.md#submissions), `form_submitted` on
// Kafka, the scheduler's form tile entering the submitter (docs/scheduler.md#inbound-journeys), the outbox relay's
// send request on BullMQ and the sender's welcome email in a recording SMTP peer; once per iteration.
let journeys: JourneyEventsKit;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let smtp: RecordingSmtp;
let sender: SenderService;
let emailEvents: Awaited<ReturnType<typeof collectEvents>>;

beforeAll(async () => {
  journeys = await JourneyEventsKit.start();
  const env = journeys.kit.env;
  // The API's and ingest's default public URL is the same origin: the page's public_url is what ingest serves.
  ingest = await startIngest(ingestConfig(env));
  smtp = new RecordingSmtp();
  // The sender reads the scheduler's send queue: the same queue prefix.
  sender = buildSender(
    senderConfig(env, await smtp.listen(), { CAIRN_QUEUE_PREFIX: journeys.rig.config.queuePrefix }),
    testLogger('sender'),
  );
  await sender.start();
  emailEvents = await collectEvents(env);
}, 60_000);

afterAll(async () => {
  await emailEvents?.stop();
  await sender?.stop();
  await smtp?.close();
  await ingest?.cleanup();
  await journeys?.stop();
});

/** The form, page, welcome email and journey of a fresh workspace, each made live through the API. */
async function liveInboundJourney() {
  const ws = await createWorkspace(journeys.kit, 'inbound-e2e');
  const api = client(journeys.kit, ws.key);
  const live = async (path: string, payload: unknown) => {
    const made = await api('POST', path, payload);
    expect([path, made.statusCode]).toEqual([path, 201]);
    const id = made.json().id as string;
    const wentLive = await api('POST', `${path}/${id}/go-live`);
    expect([path, wentLive.statusCode, wentLive.body]).toEqual([path, 200, expect.any(String)]);
    return { id, answer: wentLive.json() };
  };
  const definition = {
    fields: [
      { name: 'email', kind: 'email', label: 'Email', required: true },
      { name: 'first_name', kind: 'text', label: 'First name', required: false },
    ],
    create_lead: false,
    min_fill_seconds: 0,
    thank_you: { kind: 'message', message: 'Welcome aboard' },
  };
  const form = await live('/v1/forms', { name: 'Signup', definition });
  const content = `<h1>Join us</h1>{{form "${form.id}"}}`;
  const page = await live('/v1/pages', { name: 'Join', definition: { title: 'Join', content_type: 'html', content } });
  await addDefaultContentSettings(api);
  const welcome = await live('/v1/emails', {
    name: 'Welcome',
    subject: 'Welcome, {{contact.first_name}}',
    from_address: 'hello@example.com',
    body_mjml: MJML_OK,
  });
  const journey = await live('/v1/journeys', {
    name: 'Inbound welcome',
    graph: {
      tiles: [
        { id: 'signup', type: 'form', next: ['welcome'], config: { form_id: form.id } },
        { id: 'welcome', type: 'email', next: ['end'], config: { email_id: welcome.id } },
        { id: 'end', type: 'end' },
      ],
    },
    settings: {
      start_at: new Date(Date.now() - 60_000).toISOString(),
      end_at: new Date(Date.now() + 30 * DAY_MS).toISOString(),
      time_zone: 'UTC',
      quiet_hours: null,
    },
  });
  return { workspaceId: ws.id, formId: form.id, pageUrl: new URL(String(page.answer.public_url)), journey };
}

/** A browser's visit: the page loaded, then its form posted with the page's ticket from the page's origin. */
async function loadAndSubmit(pageUrl: URL, formId: string, fields: Record<string, string>) {
  const page = await httpRequest(ingest.url(), { url: pageUrl.pathname, headers: { 'user-agent': BROWSER_UA } });
  expect(page.statusCode).toBe(200);
  const answer = await httpRequest(ingest.url(), {
    method: 'POST',
    url: `/forms/${formId}/submit`,
    payload: body({ cairn_ticket: ticketIn(page, formId), ...fields, website: '' }),
    headers: { origin: pageUrl.origin, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER_UA },
  });
  expect([answer.statusCode, answer.body]).toEqual([200, expect.stringContaining('Welcome aboard')]);
}

const submittedBy = (contactId: string) =>
  emailEvents.events.filter(
    (e): e is Extract<CairnEvent, { type: 'form_submitted' }> =>
      e.type === 'form_submitted' && e.data.contact_id === contactId,
  );

/** The tile_inflow events of the journey's form tile, per contact. */
const formTileInflow = (journeyId: string) =>
  journeys
    .journeyEvents()
    .filter((e) => e.type === 'tile_inflow' && e.data.journey_id === journeyId && e.data.tile_id === 'signup')
    .map((e) => e.data.contact_id);

/** Resolves once the scheduler has read every email event so far and the relay and the sender have nothing left. */
async function settled(): Promise<void> {
  const { kafka, topics } = journeys.kit.env;
  await waitFor(
    () => consumerLag(kafka, journeys.rig.config.groupId, topics.emailEvents),
    (lag) => lag === 0,
  );
  await waitFor(() => journeys.rig.outboxEmpty(), Boolean);
  await waitFor(
    () => journeys.rig.sendQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
    (counts) => Object.values(counts).every((n) => n === 0),
  );
}

it('a form submission on ingest creates the contact, enters it in the journey and the welcome email arrives, once', async () => {
  const { workspaceId, formId, pageUrl, journey } = await liveInboundJourney();
  const pool = journeys.kit.pool;
  const address = `welcome.${newId().slice(0, 8)}@example.com`;

  await loadAndSubmit(pageUrl, formId, { email: address.toUpperCase(), first_name: 'Ingrid' });
  const contacts = await pool.query<{ id: string; first_name: string }>(
    'SELECT id, first_name FROM contacts WHERE workspace_id = $1 AND email = $2',
    [workspaceId, address],
  );
  expect(contacts.rows).toEqual([{ id: expect.any(String), first_name: 'Ingrid' }]);
  const contactId = contacts.rows[0]!.id;
  const [first] = await waitFor(
    () => submittedBy(contactId),
    (found) => found.length === 1,
  );
  expect(first?.data).toMatchObject({ form_id: formId, contact_outcome: 'created', lead_outcome: 'none' });

  const [mail] = await waitFor(
    () => smtp.to(address),
    (found) => found.length === 1,
    30_000,
  );
  const parsed = await simpleParser(mail!.raw);
  expect(parsed.subject).toBe('Welcome, Ingrid');
  expect(parsed.text).toContain('Hello Ingrid');
  expect(parsed.from?.value[0]?.address).toBe('hello@example.com');
  expect(Object.fromEntries(await journeys.rig.positions(journey.id))).toEqual({ [contactId]: 'end/done' });
  await waitFor(
    () => formTileInflow(journey.id),
    (inflow) => inflow.length === 1,
  );

  // The same address again, from a new page load: the contact is updated, not entered again, not mailed again.
  await loadAndSubmit(pageUrl, formId, { email: address, first_name: 'Ingrid' });
  const second = await waitFor(
    () => submittedBy(contactId),
    (found) => found.length === 2,
  );
  expect(second[1]?.data).toMatchObject({ contact_outcome: 'updated' });
  expect(second[1]?.data.submission_id).not.toBe(first?.data.submission_id);
  await settled();
  expect(Number((await pool.query('SELECT count(*) FROM contacts WHERE email = $1', [address])).rows[0].count)).toBe(1);
  expect(Object.fromEntries(await journeys.rig.positions(journey.id))).toEqual({ [contactId]: 'end/done' });
  expect(formTileInflow(journey.id)).toEqual([contactId]);
  const deliveries = await pool.query('SELECT delivery_key, state FROM sender_deliveries WHERE contact_id = $1', [
    contactId,
  ]);
  expect(deliveries.rows).toEqual([{ delivery_key: `${journey.id}:welcome:0:${contactId}`, state: 'delivered' }]);
  expect(smtp.to(address)).toHaveLength(1);
  const sends = emailEvents.events.filter((e) => e.type === 'send' && e.data.contact_id === contactId);
  expect(sends).toHaveLength(1);
}, 60_000);
