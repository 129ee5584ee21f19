import { ApiClient } from './api-client';
import type { LiveVersion, Recipient } from './journey-sends';

/** What marketing ops set up through the REST API before anything is sent. */
export interface Campaign {
  apiKey: string;
  workspaceId: string;
  emailId: string;
  journeyId: string;
  listId: string;
  version: LiveVersion;
  content: Record<string, unknown>;
  recipients: Recipient[];
}

const CITIES = ['Oslo', 'Lisbon', 'Austin', 'Osaka'];

const BODY_MJML = `<mjml><mj-body><mj-section><mj-column>
  <mj-text>Hello {{default contact.first_name "there"}},</mj-text>
  <mj-text>{{#if (eq contact.attributes.city "Oslo")}}See you at the Oslo meetup!{{else}}Your onboarding starts today.{{/if}}</mj-text>
  <mj-button href="https://example.com/start">Get started</mj-button>
  <mj-text><a href="https://example.com/pricing">See pricing</a></mj-text>
  <mj-text><a href="{{content.subscription_center_url}}">Manage subscriptions</a> · <a href="{{content.forward_url}}">Forward to a friend</a><br/>{{content.postal_address}}</mj-text>
</mj-column></mj-section></mj-body></mjml>`;

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

async function allPages<T>(api: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.get<Page<T>>(`${path}?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

function contactsNdjson(count: number, runTag: string): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({
      email: `person${i}.${runTag}@example.com`,
      first_name: i % 7 === 0 ? '' : `Person${i}`,
      consent_level: 4,
      do_not_bulk_email: i % 50 === 0,
      attributes: { city: CITIES[i % CITIES.length] },
    }));
  }
  return `${lines.join('\n')}\n`;
}

async function bootstrap(apiUrl: string, adminToken: string): Promise<{ key: string; workspace_id: string }> {
  const admin = new ApiClient(apiUrl, adminToken);
  return admin.post('/v1/admin/workspaces', { name: `Demo ${new Date().toISOString()}` });
}

async function importContacts(api: ApiClient, count: number, say: (s: string) => void): Promise<Recipient[]> {
  const t0 = Date.now();
  const runTag = Date.now().toString(36);
  const result = await api.call<{ received: number; created: number; rejected: number }>('POST', '/v1/contacts/import', contactsNdjson(count, runTag), 'application/x-ndjson');
  say(`imported ${result.created} contacts (${result.received} rows, ${result.rejected} rejected) in ${Date.now() - t0} ms`);
  return allPages<Recipient>(api, '/v1/contacts');
}

async function liveEmail(api: ApiClient, say: (s: string) => void): Promise<LiveVersion> {
  const email = await api.post<{ id: string }>('/v1/emails', {
    name: 'Welcome', subject: 'Welcome aboard, {{default contact.first_name "friend"}}', from_address: 'hello@example.com',
    from_name: 'Cairn Demo', preview_text: 'Your first steps', body_mjml: BODY_MJML,
  });
  const check = await api.post<{ ok: boolean; errors: unknown[] }>(`/v1/emails/${email.id}/check`);
  say(`email error check: ${check.ok ? 'no problems' : JSON.stringify(check.errors)}`);
  const live = await api.post<{ version: number; links: { link_id: string; url: string; kind: string }[] }>(`/v1/emails/${email.id}/go-live`);
  const frozen = await api.get<{ subject: string; from_address: string; from_name: string; compiled_html: string; links: LiveVersion['links'] }>(
    `/v1/emails/${email.id}/versions/${live.version}`,
  );
  say(`went live as version ${live.version}: MJML compiled once, ${live.links.length} links frozen (${live.links.map((l) => l.kind).join(', ')})`);
  return { emailId: email.id, version: live.version, subject: frozen.subject, fromAddress: frozen.from_address, fromName: frozen.from_name, compiledHtml: frozen.compiled_html, links: frozen.links };
}

async function liveJourney(api: ApiClient, emailId: string, say: (s: string) => void): Promise<string> {
  const segment = await api.post<{ id: string }>('/v1/segments', {
    name: 'Marketing consent', kind: 'dynamic', definition: { field: 'consent_level', op: 'gte', value: 3 },
  });
  const refreshed = await api.post<{ member_count: number }>(`/v1/segments/${segment.id}/refresh`);
  say(`dynamic segment "consent_level ≥ 3": ${refreshed.member_count} members`);
  const now = Date.now();
  const journey = await api.post<{ id: string }>('/v1/journeys', {
    name: 'Onboarding',
    graph: { tiles: [
      { id: 'audience', type: 'segment', next: ['welcome'], config: { segment_ids: [segment.id] } },
      { id: 'welcome', type: 'email', next: ['done'], config: { email_id: emailId } },
      { id: 'done', type: 'end', next: [], config: {} },
    ] },
    settings: { target: 'contacts', start_at: new Date(now).toISOString(), end_at: new Date(now + 30 * 86_400_000).toISOString(), time_zone: 'UTC', min_consent: 3 },
  });
  await api.post(`/v1/journeys/${journey.id}/go-live`);
  say(`journey "Onboarding" (segment → email → end) passed its error check and is live`);
  return journey.id;
}

export async function prepareCampaign(options: { apiUrl: string; ingestUrl: string; adminToken: string; contacts: number; say: (s: string) => void }): Promise<Campaign> {
  const { say } = options;
  const created = await bootstrap(options.apiUrl, options.adminToken);
  say(`workspace ${created.workspace_id} with its first API key (stored hashed)`);
  const api = new ApiClient(options.apiUrl, created.key);
  const recipients = await importContacts(api, options.contacts, say);
  const list = await api.post<{ id: string }>('/v1/lists', { name: 'Newsletter' });
  for (let i = 0; i < recipients.length; i += 5000) {
    await api.post(`/v1/lists/${list.id}/members`, { contact_ids: recipients.slice(i, i + 5000).map((r) => r.id) });
  }
  say(`subscription list "Newsletter" with ${recipients.length} members`);
  const content = { name: 'Default footer', subscription_center_url: 'https://example.com/preferences', forward_url: 'https://example.com/forward', postal_address: '1 Cairn Street, Oslo', is_default: true };
  await api.post('/v1/content-settings', content);
  const version = await liveEmail(api, say);
  const journeyId = await liveJourney(api, version.emailId, say);
  return { apiKey: created.key, workspaceId: created.workspace_id, emailId: version.emailId, journeyId, listId: list.id, version, content, recipients };
}
