import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { unsubscribeContact } from '../../lib/domain/subscriptions/subscriptions-repository';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { client, createWorkspace, type ApiKit } from '../api/api-test-kit';
import { emailEvent, produce } from '../aggregator/aggregator-harness';
import { DAY_MS, SchedulerRig, tally } from '../scheduler/scheduler-harness';
import { newId, testLogger, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/**
 * Data for the insights pages, made through the real stack: a workspace, contacts, a list, a segment and three
 * emails through the API, the white-paper journey (docs/scheduler.md#example-the-white-paper-journey) through the
 * API's go-live, the real journey engine
 * moving contacts (tile events to Kafka), and the sender's and recipients' email events produced to Kafka, all
 * of it landing in ClickHouse through the real aggregator. The engine's clock starts four days back, so sends,
 * opens and clicks spread over past days, and the trigger's three-day timeout is passed by moving it forward.
 */

const HOUR_MS = 3_600_000;
/** the client address's country of human opens and clicks, as ingest records it (null: unknown) */
const COUNTRIES = ['NO', 'DE', 'US', null] as const;
export const CONTACTS = 200;

const body = (text: string) => `<mjml><mj-body><mj-section><mj-column>
<mj-text>Hello {{default contact.first_name "there"}}, ${text}</mj-text>
<mj-button href="https://example.com/white-paper-2027.pdf">Download the white paper</mj-button>
<mj-text><a href="https://example.com/pricing">Pricing</a> · <a href="https://example.com/blog/outlook">Read the blog</a></mj-text>
<mj-text><a href="{{content.subscription_center_url}}">Manage subscriptions</a> {{content.postal_address}}</mj-text>
</mj-column></mj-section></mj-body></mjml>`;

export interface SeededInsights {
  key: string;
  workspaceId: string;
  journeyId: string;
  emails: { paper: string; nurture: string; reminder: string };
  /** every tile id of the journey's graph */
  tileIds: string[];
  close(): Promise<void>;
}

type Api = ReturnType<typeof client>;

async function expectOk<T = Record<string, unknown>>(
  reply: Promise<{ statusCode: number; body: string; json<U>(): U }>,
  what: string,
): Promise<T> {
  const res = await reply;
  if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? ({} as T) : res.json<T>();
}

async function liveEmail(
  api: Api,
  name: string,
  subject: string,
  text: string,
): Promise<{ id: string; links: Array<{ link_id: string; url: string; kind: string }> }> {
  const { id } = await expectOk<{ id: string }>(
    api('POST', '/v1/emails', { name, subject, from_address: 'news@northwind.example', body_mjml: body(text) }),
    `create ${name}`,
  );
  const live = await expectOk<{ links: Array<{ link_id: string; url: string; kind: string }> }>(
    api('POST', `/v1/emails/${id}/go-live`),
    `go-live ${name}`,
  );
  return { id, links: live.links };
}

/** Contacts, list, segment and the three live emails, through the API. */
async function seedWorkspace(api: Api) {
  // a frequency cap no contact reaches: the journey page shows its Controls panel (docs/kpis.md#journey-controls)
  await expectOk(api('PATCH', '/v1/workspace', { frequency_caps: [{ max_sends: 50, window_hours: 24 }] }), 'caps');
  await expectOk(
    api('POST', '/v1/content-settings', {
      name: 'Default',
      subscription_center_url: 'https://prefs.northwind.example/c',
      postal_address: '1 Harbour St, Oslo',
      is_default: true,
    }),
    'content settings',
  );
  const ndjson = Array.from({ length: CONTACTS }, (_, i) =>
    JSON.stringify({
      email: `reader${String(i).padStart(3, '0')}@northwind.example`,
      first_name: `Reader ${i}`,
      consent_level: 4,
    }),
  ).join('\n');
  await expectOk(api('POST', '/v1/contacts/import', ndjson, { 'content-type': 'application/x-ndjson' }), 'import');
  const contacts = (
    await expectOk<{ items: Array<{ id: string; email: string }> }>(api('GET', '/v1/contacts?limit=500'), 'contacts')
  ).items;
  const ids = contacts.map((c) => c.id);
  const list = await expectOk<{ id: string }>(api('POST', '/v1/lists', { name: 'Newsletter' }), 'list');
  await expectOk(api('POST', `/v1/lists/${list.id}/members`, { contact_ids: ids }), 'list members');
  const segment = await expectOk<{ id: string }>(
    api('POST', '/v1/segments', { name: 'Subscribers', kind: 'static' }),
    'segment',
  );
  await expectOk(api('POST', `/v1/segments/${segment.id}/members`, { contact_ids: ids }), 'segment members');
  const paper = await liveEmail(
    api,
    'White paper: the 2027 outlook',
    'Your copy of the 2027 outlook',
    'our 2027 outlook is out.',
  );
  const nurture = await liveEmail(
    api,
    'Nurture: next steps',
    'What to do with the outlook',
    'here is what readers did next.',
  );
  const reminder = await liveEmail(
    api,
    'Reminder: the white paper',
    'Did you miss the 2027 outlook?',
    'the outlook is still waiting for you.',
  );
  return { listId: list.id, segmentId: segment.id, paper, nurture, reminder };
}

/** What recipient i did with the white paper: deterministic, so counts and screenshots repeat. */
function paperEvents(requests: SendRequest[], links: Map<string, string>, sentAt: number): CairnEvent[] {
  const events: CairnEvent[] = [];
  const byUrl = (url: string) => ({ link_id: [...links].find(([, u]) => u === url)?.[0] ?? '', url });
  const [paperLink, pricing, blog] = [
    byUrl('https://example.com/white-paper-2027.pdf'),
    byUrl('https://example.com/pricing'),
    byUrl('https://example.com/blog/outlook'),
  ];
  requests.forEach((request, i) => {
    const base = {
      workspace_id: request.workspace_id,
      contact_id: request.contact_id,
      message_id: newId(),
      email_id: request.email_id,
      email_version: request.email_version,
      journey_id: request.journey_id,
      tile_id: request.tile_id,
      iteration: request.iteration,
    };
    const at = (hours: number) => ({ ...base, event_time: sentAt + hours * HOUR_MS });
    if (i < 6)
      return void events.push(
        emailEvent('blocked', { ...at(0), reason: i < 4 ? 'do_not_bulk_email' : 'invalid_address' }),
      );
    events.push(emailEvent('send', { ...at(0), recipient_domain: 'northwind.example' }));
    if (i < 10) return void events.push(emailEvent('bounce', { ...at(0.1), bounce_class: 'hard' }));
    if (i < 13) return void events.push(emailEvent('bounce', { ...at(0.2), bounce_class: 'soft' }));
    if (i < 21) events.push(emailEvent('open', { ...at(0.01), machine: true, machine_reason: 'privacy_proxy' }));
    if (i < 17)
      for (const link of [paperLink, pricing, blog])
        events.push(emailEvent('click', { ...at(0.02), ...link, machine: true, machine_reason: 'scanner' }));
    if (i % 5 === 0) return;
    const day = (i % 3) * 24 + (i % 11);
    const country = COUNTRIES[i % COUNTRIES.length];
    events.push(emailEvent('open', { ...at(day + 1), country }));
    if (i % 7 === 0) events.push(emailEvent('open', { ...at(day + 5), country: 'SE' }));
    if (i % 3 === 0) events.push(emailEvent('click', { ...at(day + 1.5), ...paperLink, country }));
    if (i % 4 === 0) events.push(emailEvent('click', { ...at(day + 2), ...pricing, country }));
    if (i % 10 === 1)
      events.push(emailEvent('click', { ...at(day + 2.5), ...blog }), emailEvent('click', { ...at(day + 3), ...blog }));
    if (i % 25 === 2) events.push(emailEvent('forward', { ...at(day + 4), friend_count: 2 }));
    if (i % 40 === 3) events.push(emailEvent('unsubscribe', { ...at(day + 6), method: 'one_click' }));
    if (i === 17) events.push(emailEvent('complaint', { ...at(day + 7), feedback_type: 'abuse' }));
  });
  return events;
}

/** Sends (and some opens) of a follow-up email. */
function followUpEvents(requests: SendRequest[], sentAt: number): CairnEvent[] {
  return requests.flatMap((request, i) => {
    const base = {
      workspace_id: request.workspace_id,
      contact_id: request.contact_id,
      message_id: newId(),
      email_id: request.email_id,
      email_version: request.email_version,
      journey_id: request.journey_id,
      tile_id: request.tile_id,
      iteration: request.iteration,
    };
    const events = [emailEvent('send', { ...base, event_time: sentAt })];
    if (i % 2 === 0) events.push(emailEvent('open', { ...base, event_time: sentAt + (2 + (i % 9)) * HOUR_MS }));
    return events;
  });
}

const WHITE_PAPER_GRAPH = (
  segmentId: string,
  emails: { paper: string; nurture: string; reminder: string },
  whitePaperLink: string,
) => ({
  tiles: [
    { id: 'subscribers', type: 'segment', next: ['white_paper'], config: { segment_ids: [segmentId] } },
    { id: 'white_paper', type: 'email', next: ['downloaded'], config: { email_id: emails.paper } },
    {
      id: 'downloaded',
      type: 'trigger',
      next: ['lead', 'reminder'],
      config: { email_tile_id: 'white_paper', condition: 'clicked_link', link_id: whitePaperLink, timeout_days: 3 },
    },
    { id: 'lead', type: 'create_lead', next: ['nurture'], config: { title: 'Downloaded the 2027 outlook' } },
    { id: 'nurture', type: 'email', next: ['end_nurtured'], config: { email_id: emails.nurture } },
    { id: 'end_nurtured', type: 'end' },
    { id: 'reminder', type: 'email', next: ['end_reminded'], config: { email_id: emails.reminder } },
    { id: 'end_reminded', type: 'end' },
  ],
});

/** The real aggregator and journey engine on the test's databases and topics; the engine's clock four days back. */
async function startEngines(env: TestEnv): Promise<{ rig: SchedulerRig; close(): Promise<void> }> {
  const aggregator = buildAggregator(
    loadAggregatorConfig({
      CAIRN_TOPIC_PREFIX: env.topicPrefix,
      CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
      CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
      CAIRN_AGGREGATOR_SESSION_TIMEOUT_MS: '6000',
    }),
    testLogger('aggregator'),
  );
  await aggregator.start();
  const rig = new SchedulerRig(env);
  rig.clock.advance(-4 * DAY_MS);
  await rig.start();
  return {
    rig,
    async close() {
      await rig.stop();
      await aggregator.stop();
    },
  };
}

interface Campaign {
  api: Api;
  workspaceId: string;
  rig: SchedulerRig;
  env: TestEnv;
  journeyId: string;
  listId: string;
  emails: { paper: string; nurture: string; reminder: string };
  links: Map<string, string>;
  whitePaperLink: string;
  start: number;
}

/** What the run did, to wait for in the API's numbers. */
interface Outcome {
  clickers: number;
  leavers: number;
  reminded: number;
  humanOpens: number;
}

/**
 * The journey runs: every reader gets the white paper; the sender's and the readers' events go to Kafka; who
 * downloaded takes the true path at once; two others leave the list; three days later the rest take the false
 * path (the two leavers are blocked at the reminder tile); the follow-ups are sent.
 */
async function runCampaign(c: Campaign): Promise<Outcome> {
  const { rig, env } = c;
  const sentTo = (emailId: string) =>
    rig
      .sendRequests()
      .then((all) =>
        all.filter((r) => r.email_id === emailId).sort((a, b) => a.contact_id.localeCompare(b.contact_id)),
      );
  await waitFor(
    () => rig.positions(c.journeyId),
    (p) => tally(p)['downloaded/waiting'] === CONTACTS,
    60_000,
    250,
  );
  const paperRequests = await waitFor(
    () => sentTo(c.emails.paper),
    (r) => r.length === CONTACTS,
    30_000,
    250,
  );
  const events = paperEvents(paperRequests, c.links, c.start + 5 * 60_000);
  await produce(env.kafka, env.topics, events);
  const clickers = new Set(
    events
      .filter((e) => e.type === 'click' && !e.data.machine && e.data.link_id === c.whitePaperLink)
      .map((e) => e.data.contact_id),
  );
  await waitFor(
    () => rig.positions(c.journeyId),
    (p) => tally(p)['end_nurtured/done'] === clickers.size,
    60_000,
    250,
  );

  const leavers = paperRequests
    .map((r) => r.contact_id)
    .filter((id) => !clickers.has(id))
    .slice(20, 22);
  // The contacts' own unsubscribe (a removal by hand would keep them on the journey: docs/scheduler.md#blocking).
  for (const contactId of leavers)
    await unsubscribeContact(c.rig.pool, { workspaceId: c.workspaceId, contactId, listId: c.listId });
  rig.clock.advance(3 * DAY_MS + 60_000);
  await rig.scheduler.tick();
  const reminded = CONTACTS - clickers.size - leavers.length;
  await waitFor(
    () => rig.positions(c.journeyId),
    (p) => tally(p)['end_reminded/done'] === reminded && tally(p)['reminder/blocked'] === leavers.length,
    60_000,
    250,
  );

  const nurtureRequests = await waitFor(
    () => sentTo(c.emails.nurture),
    (r) => r.length === clickers.size,
    30_000,
    250,
  );
  const reminderRequests = await waitFor(
    () => sentTo(c.emails.reminder),
    (r) => r.length === reminded,
    30_000,
    250,
  );
  await produce(env.kafka, env.topics, [
    ...followUpEvents(nurtureRequests, c.start + DAY_MS),
    ...followUpEvents(reminderRequests, rig.clock.now()),
  ]);
  await waitFor(() => rig.outboxEmpty(), Boolean, 30_000, 250);
  return {
    clickers: clickers.size,
    leavers: leavers.length,
    reminded,
    humanOpens: events.filter((e) => e.type === 'open' && !e.data.machine).length,
  };
}

/** Everything produced has reached ClickHouse when the API's numbers show it. */
async function waitForInsights(c: Campaign, o: Outcome): Promise<void> {
  const get = (url: string) => c.api('GET', url).then((r) => r.json());
  await waitFor(
    () => get(`/v1/insights/emails/${c.emails.paper}`),
    (k) => k.sent === CONTACTS - 6 && k.openedTotal === o.humanOpens && k.feedbackLoops === 1,
    60_000,
    250,
  );
  await waitFor(
    () => get(`/v1/insights/emails/${c.emails.reminder}`),
    (k) => k.sent === o.reminded,
    60_000,
    250,
  );
  const tile = (tiles: Array<{ tileId: string; processed: number; blocked: number }>, id: string) =>
    tiles.find((t) => t.tileId === id);
  await waitFor(
    () => get(`/v1/insights/journeys/${c.journeyId}/tiles`).then((body) => body.items),
    (tiles) =>
      tile(tiles, 'end_reminded')?.processed === o.reminded &&
      tile(tiles, 'end_nurtured')?.processed === o.clickers &&
      tile(tiles, 'reminder')?.blocked === o.leavers,
    60_000,
    250,
  );
}

export async function seedInsights(kit: ApiKit): Promise<SeededInsights> {
  const engines = await startEngines(kit.env);
  try {
    const ws = await createWorkspace(kit, 'Northwind Traders');
    const api = client(kit, ws.key);
    const seeded = await seedWorkspace(api);
    const emails = { paper: seeded.paper.id, nurture: seeded.nurture.id, reminder: seeded.reminder.id };
    const links = new Map(seeded.paper.links.map((l) => [l.link_id, l.url]));
    const whitePaperLink = [...links].find(([, url]) => url.includes('white-paper'))?.[0] ?? '';
    const graph = WHITE_PAPER_GRAPH(seeded.segmentId, emails, whitePaperLink);
    const start = engines.rig.clock.now();
    const settings = {
      start_at: new Date(start - DAY_MS).toISOString(),
      end_at: new Date(start + 30 * DAY_MS).toISOString(),
      time_zone: 'UTC',
      list_id: seeded.listId,
      // the journey page's goal panel (docs/scheduler.md#goal): a white-paper click, no exit (the paths stay as they are)
      goal: {
        event: 'clicked_link',
        email_tile_id: 'white_paper',
        link_id: whitePaperLink,
        target_share: 0.25,
        exit: false,
      },
    };
    const journey = await expectOk<{ id: string }>(
      api('POST', '/v1/journeys', { name: 'White paper campaign', graph, settings }),
      'journey',
    );
    await expectOk(api('POST', `/v1/journeys/${journey.id}/go-live`), 'journey go-live');
    const campaign: Campaign = {
      api,
      workspaceId: ws.id,
      rig: engines.rig,
      env: kit.env,
      journeyId: journey.id,
      listId: seeded.listId,
      emails,
      links,
      whitePaperLink,
      start,
    };
    await waitForInsights(campaign, await runCampaign(campaign));
    return {
      key: ws.key,
      workspaceId: ws.id,
      journeyId: journey.id,
      emails,
      tileIds: graph.tiles.map((t) => t.id),
      close: engines.close,
    };
  } catch (error) {
    await engines.close();
    throw error;
  }
}
