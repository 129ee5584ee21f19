import type { EmailLink } from '../../lib/domain/email/email-links';
import { ApiClient } from './api-client';
import { liveLanding, type Landing } from './landing-page';
import { abTesters, contactPlan, MIN_CONSENT, outsiders, type ContactPlan } from './recipient-plan';

/** A contact as the demo imported it, with the id the API gave it. */
export interface DemoContact extends ContactPlan {
  id: string;
}

/** An email as it went live: its frozen links (ids and recorded URLs). */
export interface LiveEmail {
  id: string;
  name: string;
  version: number;
  links: EmailLink[];
}

/** The email tiles of the white-paper journey (docs/scheduler.md#example-the-white-paper-journey) and their emails. */
export const EMAIL_TILES = ['paper', 'nurture', 'remind'] as const;
export type EmailTile = (typeof EMAIL_TILES)[number];

/** What marketing ops set up through the REST API before anything is sent. */
export interface Campaign {
  apiKey: string;
  workspaceId: string;
  listId: string;
  journeyId: string;
  emails: Record<EmailTile, LiveEmail>;
  whitePaperLinkId: string;
  /** the landing page the white-paper link leads to, and its form */
  landing: Landing;
  contacts: DemoContact[];
  byId: Map<string, DemoContact>;
  byAddress: Map<string, DemoContact>;
  /** envelope sender → the email tile that sends from it */
  tileByFrom: Map<string, EmailTile>;
}

const FOOTER = `<mj-text><a href="{{content.subscription_center_url}}">Manage subscriptions</a> · <a href="{{content.forward_url}}">Forward to a friend</a><br/>{{content.postal_address}}</mj-text>`;
export const mjml = (body: string): string =>
  `<mjml><mj-body><mj-section><mj-column>\n${body}\n${FOOTER}\n</mj-column></mj-section></mj-body></mjml>`;

/** Each email has its own sender, so the inbox tells them apart by the envelope without reading every message. */
const FROM: Record<EmailTile, string> = {
  paper: 'whitepapers@example.com',
  nurture: 'stories@example.com',
  remind: 'reminders@example.com',
};

/** The three emails; the white-paper links lead to the landing page (a landing-page link). */
/** An email as marketing ops write it (POST /v1/emails). */
export interface EmailSpec {
  name: string;
  from_address: string;
  subject: string;
  body_mjml: string;
}

const emailSpecs = (landingUrl: string): Record<EmailTile, EmailSpec> => ({
  paper: {
    name: 'White paper offer',
    from_address: FROM.paper,
    subject: 'Your free white paper, {{default contact.first_name "friend"}}',
    body_mjml: mjml(`<mj-text>Hello {{default contact.first_name "there"}},</mj-text>
<mj-text>Our new white paper on journey design for {{default contact.attributes.city "your city"}} teams is ready.</mj-text>
<mj-button href="${landingUrl}">Download the white paper</mj-button>
<mj-text><a href="https://example.com/pricing">See pricing</a></mj-text>`),
  },
  nurture: {
    name: 'White paper follow-up',
    from_address: FROM.nurture,
    subject: 'Thanks for reading, {{default contact.first_name "friend"}}: a case study',
    body_mjml:
      mjml(`<mj-text>Hello {{default contact.first_name "there"}}, thanks for downloading the white paper.</mj-text>
<mj-button href="https://example.com/case-study">Read the case study</mj-button>`),
  },
  remind: {
    name: 'White paper reminder',
    from_address: FROM.remind,
    subject: 'Second chance: your white paper',
    body_mjml:
      mjml(`<mj-text>Hello {{default contact.first_name "there"}}, the white paper is still waiting for you.</mj-text>
<mj-button href="${landingUrl}">Download it now</mj-button>`),
  },
});

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export async function allPages<T>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  const join = path.includes('?') ? '&' : '?';
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.get<Page<T>>(
      `${path}${join}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

function contactsNdjson(plans: ContactPlan[]): string {
  const row = (p: ContactPlan) => ({
    email: p.email,
    first_name: p.firstName,
    time_zone: 'America/New_York',
    consent_level: p.consentLevel,
    do_not_bulk_email: p.doNotBulkEmail,
    attributes: { city: p.city },
  });
  return `${plans.map((p) => JSON.stringify(row(p))).join('\n')}\n`;
}

async function importContacts(api: ApiClient, audience: number, say: (s: string) => void): Promise<DemoContact[]> {
  const imported = audience + outsiders(audience) + abTesters(audience);
  const plans = Array.from({ length: imported }, (_, i) => contactPlan(i, audience));
  const t0 = Date.now();
  const result = await api.call<{ received: number; created: number; rejected: number }>(
    'POST',
    '/v1/contacts/import',
    contactsNdjson(plans),
    'application/x-ndjson',
  );
  const ms = Date.now() - t0;
  say(
    `imported ${result.created.toLocaleString('en')} contacts as NDJSON in ${ms} ms (${Math.round(result.created / (ms / 1000)).toLocaleString('en')}/s), ${result.rejected} rejected`,
  );
  const ids = new Map((await allPages<{ id: string; email: string }>(api, '/v1/contacts')).map((c) => [c.email, c.id]));
  return plans.map((p) => {
    const id = ids.get(p.email);
    if (!id) throw new Error(`imported contact ${p.email} not found`);
    return { ...p, id };
  });
}

async function subscriptionList(api: ApiClient, contacts: DemoContact[], say: (s: string) => void): Promise<string> {
  const list = await api.post<{ id: string }>('/v1/lists', { name: 'Newsletter' });
  const subscribers = contacts.filter((c) => c.subscribed).map((c) => c.id);
  for (let i = 0; i < subscribers.length; i += 10_000)
    await api.post(`/v1/lists/${list.id}/members`, { contact_ids: subscribers.slice(i, i + 10_000) });
  say(`subscription list "Newsletter": ${subscribers.length.toLocaleString('en')} subscribers`);
  return list.id;
}

export async function liveEmail(api: ApiClient, spec: EmailSpec, say: (s: string) => void): Promise<LiveEmail> {
  const email = await api.post<{ id: string }>('/v1/emails', {
    ...spec,
    from_name: 'Cairn Demo',
    preview_text: spec.name,
  });
  const check = await api.post<{ ok: boolean; errors: unknown[] }>(`/v1/emails/${email.id}/check`);
  if (!check.ok) throw new Error(`email "${spec.name}" failed its error check: ${JSON.stringify(check.errors)}`);
  const live = await api.post<{ version: number; links: EmailLink[] }>(`/v1/emails/${email.id}/go-live`);
  say(
    `email "${spec.name}": error check passed, live as version ${live.version} (MJML compiled once, ${live.links.length} links frozen)`,
  );
  return { id: email.id, name: spec.name, version: live.version, links: live.links };
}

export async function prepareAudience(options: {
  apiUrl: string;
  adminToken: string;
  audience: number;
  say: (s: string) => void;
}) {
  const { say } = options;
  const admin = new ApiClient(options.apiUrl, options.adminToken);
  const created = await admin.post<{ key: string; workspace_id: string }>('/v1/admin/workspaces', {
    name: `Demo ${new Date().toISOString()}`,
  });
  say(`workspace ${created.workspace_id} with its first API key (stored hashed)`);
  const api = new ApiClient(options.apiUrl, created.key);
  const contacts = await importContacts(api, options.audience, say);
  const listId = await subscriptionList(api, contacts, say);
  await api.post('/v1/content-settings', {
    name: 'Default footer',
    subscription_center_url: 'https://example.com/preferences',
    forward_url: 'https://example.com/forward',
    postal_address: '1 Cairn Street, New York',
    is_default: true,
  });
  const segment = await api.post<{ id: string }>('/v1/segments', {
    name: 'New York',
    kind: 'dynamic',
    definition: { field: 'attributes.city', op: 'eq', value: 'New York' },
  });
  const refreshed = await api.post<{ member_count: number }>(`/v1/segments/${segment.id}/refresh`);
  say(`dynamic segment "New York": ${refreshed.member_count.toLocaleString('en')} members`);
  const landing = await liveLanding(api, say);
  const specs = emailSpecs(landing.url);
  const emails = {
    paper: await liveEmail(api, specs.paper, say),
    nurture: await liveEmail(api, specs.nurture, say),
    remind: await liveEmail(api, specs.remind, say),
  };
  return {
    api,
    apiKey: created.key,
    workspaceId: created.workspace_id,
    contacts,
    listId,
    segmentId: segment.id,
    emails,
    landing,
  };
}

export type Audience = Awaited<ReturnType<typeof prepareAudience>>;

/** The journey's control group (docs/scheduler.md#holdout): this share of the entrants travels it without mail. */
export const DEMO_HOLDOUT = { share: 0.2 };

/** The white-paper journey, with the trigger's week shortened to `triggerSeconds`. */
export function whitePaperGraph(audience: Audience, whitePaperLinkId: string, triggerSeconds: number) {
  const email = (tile: EmailTile, next: string) => ({
    id: tile,
    type: 'email',
    next: [next],
    config: { email_id: audience.emails[tile].id },
  });
  return {
    tiles: [
      {
        id: 'ny',
        type: 'segment',
        next: ['paper'],
        config: { segment_ids: [audience.segmentId], list_ids: [audience.listId], combine: 'intersection' },
      },
      email('paper', 'clicked'),
      {
        id: 'clicked',
        type: 'trigger',
        next: ['nurture', 'remind'],
        config: {
          email_tile_id: 'paper',
          condition: 'clicked_link',
          link_id: whitePaperLinkId,
          timeout_minutes: triggerSeconds / 60,
        },
      },
      email('nurture', 'done_true'),
      { id: 'done_true', type: 'end', next: [], config: {} },
      email('remind', 'done_false'),
      { id: 'done_false', type: 'end', next: [], config: {} },
    ],
  };
}

/** Creates the journey, runs its error check and sets it live; returns it with the moment it went live. */
export async function liveJourney(
  audience: Audience,
  triggerSeconds: number,
  say: (s: string) => void,
): Promise<Campaign & { liveAt: number }> {
  const { api } = audience;
  const whitePaper = audience.emails.paper.links.find((link) => link.url === audience.landing.url);
  if (!whitePaper) throw new Error('the white-paper email has no white-paper link');
  const now = Date.now();
  const journey = await api.post<{ id: string }>('/v1/journeys', {
    name: 'White paper',
    graph: whitePaperGraph(audience, whitePaper.link_id, triggerSeconds),
    settings: {
      target: 'contacts',
      start_at: new Date(now).toISOString(),
      end_at: new Date(now + 30 * 86_400_000).toISOString(),
      time_zone: 'America/New_York',
      list_id: audience.listId,
      min_consent: MIN_CONSENT,
      // the white-paper click is the goal; a control group of DEMO_HOLDOUT gets no mail, so its lift is measured
      goal: {
        event: 'clicked_link',
        email_tile_id: 'paper',
        link_id: whitePaper.link_id,
        target_share: 0.1,
        exit: false,
      },
      holdout: DEMO_HOLDOUT,
    },
  });
  const check = await api.post<{ ok: boolean; errors: unknown[] }>(`/v1/journeys/${journey.id}/check`);
  if (!check.ok) throw new Error(`journey failed its error check: ${JSON.stringify(check.errors)}`);
  const liveAt = Date.now();
  await api.post(`/v1/journeys/${journey.id}/go-live`);
  say(
    `journey "White paper" passed its error check and is live: New York ∩ Newsletter → white paper → ` +
      `clicked the download link within ${triggerSeconds} s? → yes: follow-up email · no: reminder (the link leads ` +
      'to the landing page, whose form creates the leads); goal: a white-paper click; ' +
      `holdout: ${DEMO_HOLDOUT.share * 100} % of the entrants get no mail`,
  );
  const { contacts } = audience;
  return {
    apiKey: audience.apiKey,
    workspaceId: audience.workspaceId,
    listId: audience.listId,
    journeyId: journey.id,
    emails: audience.emails,
    whitePaperLinkId: whitePaper.link_id,
    landing: audience.landing,
    contacts,
    byId: new Map(contacts.map((c) => [c.id, c])),
    byAddress: new Map(contacts.map((c) => [c.email.toLowerCase(), c])),
    tileByFrom: new Map(EMAIL_TILES.map((tile) => [FROM[tile], tile])),
    liveAt,
  };
}
