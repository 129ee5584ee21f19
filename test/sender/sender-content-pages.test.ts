import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { simpleParser } from 'mailparser';
import type { Pool } from 'pg';
import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import { ingestConfig, startIngest } from '../ingest/ingest-support';
import type { RecordingSmtp } from '../support/recording-smtp';
import { waitFor } from '../support/wait-for';
import {
  addContact,
  enqueue,
  sendRequest,
  startSenderHarness,
  TRACKING_KEYS,
  type SenderHarness,
  type Seeded,
} from './sender-kit';

/**
 * Delivered journey mail, sender and ingest on the real stack: the subscription-center and forward links go
 * through ingest to the pages the content settings name (docs/ingest.md#the-workspaces-own-pages), and a contact
 * whose account or lead does not allow following gets an unfollowed message (docs/sender.md#rendering).
 */
const tokens = new TrackingTokenCodec(parseTrackingKeys(TRACKING_KEYS), 1);

let h: SenderHarness;
let pool: Pool;
let smtp: RecordingSmtp;
let queue: Queue;
let seeded: Seeded;
let ingest: Awaited<ReturnType<typeof startIngest>>;

beforeAll(async () => {
  h = await startSenderHarness('cairn_pages', async (testEnv) => {
    ingest = await startIngest(ingestConfig(testEnv, { CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(',') }));
    return { CAIRN_SENDER_TRACKING_URL: ingest.url() };
  });
  ({ pool, smtp, queue, seeded } = h);
});

afterAll(async () => {
  await ingest?.cleanup();
  await h?.close();
});

async function deliveredHtml(request: SendRequest, address: string): Promise<string> {
  await enqueue(queue, [request]);
  await waitFor(
    () => smtp.to(address).length,
    (n) => n >= 1,
    30_000,
  );
  const [message] = smtp.to(address);
  return String((await simpleParser(message?.raw ?? Buffer.alloc(0))).html);
}

/** The token of the mail's link to ingest's `path` (s: subscription center, f: forward). */
function linkToken(html: string, path: 's' | 'f'): string {
  const token = new RegExp(`href="http://127\\.0\\.0\\.1:\\d+/${path}/([A-Za-z0-9_-]+)"`).exec(html)?.[1];
  if (!token) throw new Error(`no /${path}/ link in the mail`);
  return token;
}

const visit = (path: string, init: RequestInit = {}) =>
  fetch(`${ingest.url()}${path}`, { redirect: 'manual', ...init });

async function journeyWithSettings(contentSettingsId: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO journeys (workspace_id, name, status, settings) VALUES ($1, 'pages', 'live', $2) RETURNING id::text`,
    [seeded.workspaceId, JSON.stringify({ content_settings_id: contentSettingsId })],
  );
  return rows[0]?.id ?? '';
}

describe('subscription center and forward to a friend of delivered mail', () => {
  it("lead through ingest to the content settings' pages, carrying the recipient's one-purpose token", async () => {
    const address = 'pages.default@example.com';
    const contactId = await addContact(pool, seeded, { email: address });
    const html = await deliveredHtml(sendRequest(seeded, contactId), address);
    const centre = linkToken(html, 's');
    const forward = linkToken(html, 'f');
    expect(tokens.verify(centre, 'subscription_center')).toMatchObject({ contactId, workspaceId: seeded.workspaceId });
    expect(tokens.verify(forward, 'forward')).toMatchObject({ contactId });

    const toCentre = await visit(`/s/${centre}`);
    expect(toCentre.status).toBe(303);
    expect(toCentre.headers.get('location')).toBe(`https://prefs.example.com/center?cairn_token=${centre}`);
    expect(toCentre.headers.get('referrer-policy')).toBe('no-referrer');
    const toForward = await visit(`/f/${forward}`);
    expect(toForward.status).toBe(303);
    expect(toForward.headers.get('location')).toBe(`https://fwd.example.com/?cairn_token=${forward}`);

    // the workspace's page acts for the recipient with the token it was handed: the form posts still work
    const saved = await visit(`/s/${centre}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'submitted=1',
    });
    expect(saved.status).toBe(200);
    // a token of another purpose is still refused, and a query string cannot choose the destination
    expect((await visit(`/s/${forward}`)).status).toBe(404);
    expect((await visit(`/s/${centre}?next=https://evil.example/`)).headers.get('location')).toBe(
      `https://prefs.example.com/center?cairn_token=${centre}`,
    );
  });

  it("takes the journey's content settings over the workspace default, as the mail's footer does", async () => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO content_settings (workspace_id, name, subscription_center_url, forward_url, postal_address)
       VALUES ($1, 'journey', 'https://journey.example.org/prefs?lang=nb', '', '7 Quay Road, Bergen') RETURNING id::text`,
      [seeded.workspaceId],
    );
    const settingsId = rows[0]?.id ?? '';
    const journeyId = await journeyWithSettings(settingsId);
    const address = 'pages.journey@example.com';
    const contactId = await addContact(pool, seeded, { email: address });
    const request = { ...sendRequest(seeded, contactId, { journeyId }), content_settings_id: settingsId };
    const html = await deliveredHtml(request, address);
    expect(html).toContain('7 Quay Road, Bergen');
    const centre = linkToken(html, 's');
    expect((await visit(`/s/${centre}`)).headers.get('location')).toBe(
      `https://journey.example.org/prefs?lang=nb&cairn_token=${centre}`,
    );
    // no forward page in these settings: ingest's own form, as before
    const forward = linkToken(html, 'f');
    const form = await visit(`/f/${forward}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="friend"');

    // the friend's copy (a forward request of the same journey) gets the same settings, footer and pages
    const friend = 'friend.of.journey@example.org';
    const posted = await visit(`/f/${forward}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `friend=${encodeURIComponent(friend)}`,
    });
    expect(posted.status).toBe(200);
    await waitFor(
      () => smtp.to(friend).length,
      (n) => n >= 1,
      30_000,
    );
    const copy = String((await simpleParser(smtp.to(friend)[0]?.raw ?? Buffer.alloc(0))).html);
    expect(copy).toContain('7 Quay Road, Bergen');
    const friendCentre = linkToken(copy, 's');
    expect((await visit(`/s/${friendCentre}`)).headers.get('location')).toBe(
      `https://journey.example.org/prefs?lang=nb&cairn_token=${friendCentre}`,
    );
  });
});

describe('Do Not Allow following through the account or a lead', () => {
  async function unfollowedAccount(): Promise<string> {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO accounts (workspace_id, name, allow_follow_email) VALUES ($1, 'Private AS', false) RETURNING id::text`,
      [seeded.workspaceId],
    );
    return rows[0]?.id ?? '';
  }

  const expectUnfollowed = (html: string) => {
    expect(html).not.toMatch(/\/o\/[A-Za-z0-9_-]+\.gif/);
    expect(html).not.toMatch(/\/c\/[A-Za-z0-9_-]+/);
    expect(html).toContain('href="https://news.example.com/article/3"');
  };

  it('sends no beacon and plain links to a contact whose account does not allow following', async () => {
    const address = 'account.private@example.com';
    const contactId = await addContact(pool, seeded, { email: address });
    await pool.query('UPDATE contacts SET account_id = $2 WHERE id = $1', [contactId, await unfollowedAccount()]);
    expectUnfollowed(await deliveredHtml(sendRequest(seeded, contactId), address));
  });

  it('sends no beacon and plain links to a contact one of whose leads does not allow following', async () => {
    const address = 'lead.private@example.com';
    const contactId = await addContact(pool, seeded, { email: address });
    await pool.query(
      `INSERT INTO leads (workspace_id, contact_id, title, allow_follow_email, once_key) VALUES ($1, $2, 'Lead', false, $3)`,
      [seeded.workspaceId, contactId, randomUUID()],
    );
    expectUnfollowed(await deliveredHtml(sendRequest(seeded, contactId), address));
    // the same workspace's other contacts are followed as before
    const other = 'lead.other@example.com';
    const followed = await deliveredHtml(sendRequest(seeded, await addContact(pool, seeded, { email: other })), other);
    expect(followed).toMatch(/\/o\/[A-Za-z0-9_-]+\.gif/);
  });
});
