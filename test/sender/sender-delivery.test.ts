import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { simpleParser, type ParsedMail } from 'mailparser';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import type { Pool } from 'pg';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { encodeForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/contracts/tracking/tracking-token';
import type { SenderService } from '../../services/sender/sender.app';
import { ingestConfig, startIngest } from '../ingest/ingest-support';
import type { RecordingSmtp } from '../support/recording-smtp';
import type { TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import {
  addContact,
  DESTINATION,
  enqueue,
  JOURNEY_ID,
  sendRequest,
  startSenderHarness,
  TRACKING_KEYS,
  type SenderHarness,
  type Seeded,
} from './sender-kit';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_TXT = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
const tokens = new TrackingTokenCodec(parseTrackingKeys(TRACKING_KEYS), 1);

let h: SenderHarness;
let env: TestEnv;
let pool: Pool;
let smtp: RecordingSmtp;
let sender: SenderService;
let queue: Queue;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let collected: SenderHarness['collected'];
let seeded: Seeded;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender', async (testEnv) => {
    ingest = await startIngest(ingestConfig(testEnv, { CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(',') }));
    return {
      CAIRN_SENDER_TRACKING_URL: ingest.url(),
      CAIRN_SENDER_DKIM_DOMAIN: 'cairn.example',
      CAIRN_SENDER_DKIM_SELECTOR: 'test',
      CAIRN_SENDER_DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  });
  ({ env, pool, smtp, sender, queue, collected, seeded } = h);
});

afterAll(async () => {
  // ingest's pool first: the env's cleanup drops the database, ending every connection still open to it
  await ingest?.cleanup();
  await h?.close();
});

async function deliver(requests: SendRequest[]): Promise<void> {
  await enqueue(queue, requests);
  await waitFor(
    () =>
      pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM sender_deliveries WHERE delivery_key = ANY($1) AND state NOT IN ('claimed', 'attempting') AND events_emitted",
        [requests.map((r) => r.key)],
      ),
    (result) => Number(result.rows[0]?.n) === requests.length,
    30_000,
  );
}

const eventsOf = (contactId: string): CairnEvent[] => collected.events.filter((e) => e.data.contact_id === contactId);
const waitEvents = (contactId: string, count: number): Promise<CairnEvent[]> =>
  waitFor(
    () => eventsOf(contactId),
    (events) => events.length >= count,
    20_000,
  );

async function parsedFor(address: string): Promise<ParsedMail & { raw: Buffer }> {
  const [message] = smtp.to(address);
  if (!message) throw new Error(`nothing received for ${address}`);
  return Object.assign(await simpleParser(message.raw), { raw: message.raw });
}

const header = (mail: ParsedMail, name: string): string =>
  mail.headerLines
    .filter((h) => h.key === name)
    .map((h) => h.line)
    .join('\n');

describe('sender', () => {
  it('delivers a personalised, tracked, signed message whose links ingest accepts and redirects', async () => {
    const address = 'ann.tracked@example.com';
    const contactId = await addContact(pool, seeded, {
      email: address,
      first_name: 'Ann',
      attributes: { city: 'Oslo' },
    });
    await deliver([sendRequest(seeded, contactId)]);
    const mail = await parsedFor(address);
    const html = String(mail.html);
    expect(html).toContain('Hello Ann from Fjord AS, neighbour!');
    expect(mail.subject).toBe('Hi Ann, news for you');
    expect(mail.from?.value[0]).toEqual({ name: 'Cairn Fjord AS', address: 'news@cairn.example' });
    expect(mail.text).toContain('Hello Ann from Fjord AS');
    expect(html).not.toContain(DESTINATION.replace(/&/g, '&amp;'));

    const beacon = /<img src="([^"]+\/o\/([A-Za-z0-9_-]+)\.gif)"/.exec(html);
    expect(tokens.verify(beacon?.[2] ?? '', 'open')).toMatchObject({
      contactId,
      workspaceId: seeded.workspaceId,
      listId: seeded.listId,
      emailVersion: 1,
    });
    const clicks = [...html.matchAll(/href="(http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(clicks).toHaveLength(10);
    expect(new Set(clicks).size).toBe(10);
    const redirect = await fetch(clicks[0] as string, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) Safari/605.1.15' },
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(DESTINATION);

    const unsubscribe = header(mail, 'list-unsubscribe');
    expect(unsubscribe).toMatch(
      /<http:\/\/127\.0\.0\.1:\d+\/u\/[A-Za-z0-9_-]+>, *(\r\n\s+)?<mailto:unsubscribe@cairn\.example\?subject=unsubscribe%20[A-Za-z0-9_-]+>/,
    );
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header(mail, 'list-id')).toContain(`<${seeded.listId}.lists.cairn.example>`);
    expect(header(mail, 'feedback-id')).toContain(`${JOURNEY_ID}:${seeded.emailId}:${seeded.workspaceId}:cairn`);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@cairn\.example>$/);

    const verified = await dkimVerify(mail.raw, {
      resolver: async (name: string) => (name === 'test._domainkey.cairn.example' ? [[DKIM_TXT]] : []),
    } as never);
    expect(verified.results[0]?.status.result).toBe('pass');
    const signed = String(
      (verified.results[0] as unknown as { signingHeaders?: { keys?: string } }).signingHeaders?.keys ?? '',
    ).toLowerCase();
    expect(signed).toContain('list-unsubscribe');
    expect(signed).toContain('list-unsubscribe-post');

    const events = await waitEvents(contactId, 1);
    expect(events.map((e) => e.type)).toEqual(['send']);
    expect(events[0]?.data).toMatchObject({
      message_id: mail.messageId?.slice(1, 37),
      journey_id: JOURNEY_ID,
      tile_id: 'tile-1',
    });
  });

  it('neutralises CRLF, <script> and a 10,000-character merge value (PostgreSQL stores no NUL; the renderer test covers it)', async () => {
    const address = 'hostile@example.com';
    const long = 'x'.repeat(10_000);
    const first = `Eve\r\nBcc: victim@evil.test\n<script>alert(1)</script>${long}`;
    const contactId = await addContact(pool, seeded, { email: address, first_name: first });
    await deliver([sendRequest(seeded, contactId)]);
    expect(smtp.received.filter((r) => r.to.includes('victim@evil.test'))).toEqual([]);
    const [received] = smtp.to(address);
    expect(received?.to).toEqual([address]);
    const mail = await parsedFor(address);
    expect(mail.bcc).toBeUndefined();
    expect(mail.subject).not.toMatch(/[\r\n\0]/);
    expect(mail.subject?.startsWith('Hi Eve Bcc: victim@evil.test')).toBe(true);
    const html = String(mail.html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(long);
    expect(mail.text).toContain(long);
    // every line of the MIME stays within RFC 5322's 998 characters
    expect(
      Math.max(
        ...received!.raw
          .toString('latin1')
          .split('\r\n')
          .map((line) => line.length),
      ),
    ).toBeLessThanOrEqual(998);
  });

  it('blocks each ineligible recipient with its reason and hands none of them to SMTP', async () => {
    const cases: [string, Parameters<typeof addContact>[2], number?][] = [
      ['do_not_bulk_email', { email: 'dnb@example.com', do_not_bulk_email: true }],
      ['missing_address', { email: null }],
      ['invalid_address', { email: 'not an address@@example' }],
      ['blocklisted_address', { email: 'someone@mailinator.com' }],
      ['unsubscribed', { email: 'left@example.com', unsubscribed: true }],
      ['consent_below_minimum', { email: 'shy@example.com', consent_level: 1 }, 3],
    ];
    const contacts = await Promise.all(cases.map(([, fields]) => addContact(pool, seeded, fields)));
    const before = smtp.received.length;
    await deliver(contacts.map((id, i) => sendRequest(seeded, id, { minConsent: cases[i]?.[2] ?? 0 })));
    expect(smtp.received.length).toBe(before);
    for (const [i, id] of contacts.entries()) {
      const events = await waitEvents(id, 1);
      expect(events.map((e) => [e.type, (e.data as { reason?: string }).reason])).toEqual([['blocked', cases[i]?.[0]]]);
    }
  });

  it('classifies 550 5.1.1, 452 4.2.2, 552 5.2.2 and 554 5.7.1 and suppresses as docs/sender.md#bounces-and-suppression says', async () => {
    const replies = {
      'gone@example.com': {
        stage: 'rcpt',
        code: 550,
        text: '5.1.1 <gone@example.com>: Recipient address rejected: User unknown',
      },
      'full@example.com': { stage: 'rcpt', code: 452, text: '4.2.2 Mailbox full' },
      'toobig@example.com': { stage: 'data', code: 552, text: '5.2.2 Mailbox full, message exceeds quota' },
      'spam@example.com': { stage: 'data', code: 554, text: '5.7.1 Message rejected as spam by policy' },
    } as const;
    const ids: Record<string, string> = {};
    for (const [address, refusal] of Object.entries(replies)) {
      smtp.script(address, refusal);
      ids[address] = await addContact(pool, seeded, { email: address });
    }
    await deliver(Object.values(ids).map((id) => sendRequest(seeded, id, { tileId: 'replies' })));
    const bounceOf = async (address: string) =>
      (await waitEvents(ids[address] as string, 2)).find((e) => e.type === 'bounce')?.data as unknown as Record<
        string,
        unknown
      >;
    expect(await bounceOf('gone@example.com')).toMatchObject({
      bounce_class: 'hard',
      enhanced_status: '5.1.1',
      smtp_code: 550,
    });
    expect(await bounceOf('full@example.com')).toMatchObject({
      bounce_class: 'soft',
      enhanced_status: '4.2.2',
      smtp_code: 452,
    });
    expect(await bounceOf('toobig@example.com')).toMatchObject({
      bounce_class: 'soft',
      enhanced_status: '5.2.2',
      smtp_code: 552,
    });
    expect(await bounceOf('spam@example.com')).toMatchObject({
      bounce_class: 'other',
      enhanced_status: '5.7.1',
      policy_block: true,
    });
    await h.suppressionApplied(); // the writer applies the SMTP replies' reports when it consumes them
    const { rows } = await pool.query<{ address: string; reason: string; months: number }>(
      `SELECT address, reason, round(extract(epoch FROM suppressed_until - created_at) / 86400 / 30.4)::int AS months FROM address_suppressions WHERE workspace_id = $1`,
      [seeded.workspaceId],
    );
    expect(rows).toEqual([{ address: 'gone@example.com', reason: 'hard_bounce', months: 6 }]);

    // the next message to the hard-bounced address is never handed to SMTP, yet counts as a hard bounce
    const before = smtp.to('gone@example.com').length;
    await deliver([sendRequest(seeded, ids['gone@example.com'] as string, { tileId: 'after-hard' })]);
    expect(smtp.to('gone@example.com').length).toBe(before);
    const again = await waitEvents(ids['gone@example.com'] as string, 4);
    expect(again.slice(2).map((e) => [e.type, (e.data as { bounce_class?: string }).bounce_class])).toEqual([
      ['send', undefined],
      ['bounce', 'hard'],
    ]);
  });

  it('suppresses after five consecutive soft bounces; a delivery resets the count', async () => {
    const address = 'flaky@example.com';
    const contactId = await addContact(pool, seeded, { email: address });
    const soft = { stage: 'rcpt', code: 452, text: '4.2.2 Mailbox full' } as const;
    smtp.script(address, soft, soft, soft, soft); // four soft bounces, then a delivery
    for (let i = 0; i < 5; i++) await deliver([sendRequest(seeded, contactId, { tileId: `reset-${i}` })]);
    await h.suppressionApplied();
    const count = await pool.query(
      'SELECT consecutive_soft_bounces AS n FROM address_bounce_state WHERE address = $1',
      [address],
    );
    expect(count.rows[0]?.n).toBe(0);

    smtp.script(address, soft, soft, soft, soft, soft);
    for (let i = 0; i < 5; i++) await deliver([sendRequest(seeded, contactId, { tileId: `soft-${i}` })]);
    // A message already claimed when the fifth report is applied may still go out (docs/sender.md): the sixth waits.
    await h.suppressionApplied();
    const handed = smtp.to(address).length;
    await deliver([sendRequest(seeded, contactId, { tileId: 'sixth' })]);
    expect(smtp.to(address).length).toBe(handed);
    const sixth = await waitFor(
      () => eventsOf(contactId).filter((e) => e.data.tile_id === 'sixth'),
      (events) => events.length >= 2,
    );
    expect(sixth.map((e) => [e.type, (e.data as { bounce_class?: string }).bounce_class])).toEqual([
      ['send', undefined],
      ['bounce', 'hard'],
    ]);
  });

  it('sends a do-not-allow-following contact no beacon and plain links', async () => {
    const address = 'private@example.com';
    const contactId = await addContact(pool, seeded, { email: address, allow_follow_email: false });
    await deliver([sendRequest(seeded, contactId)]);
    const html = String((await parsedFor(address)).html);
    expect(html).toContain('Hello Ann');
    expect(html).not.toMatch(/\/o\/[A-Za-z0-9_-]+\.gif/);
    expect(html).not.toMatch(/\/c\/[A-Za-z0-9_-]+/);
    expect(html).toContain(`href="${DESTINATION.replace(/&/g, '&amp;')}"`);
    expect(html).toContain('href="https://news.example.com/article/3"');
  });

  it('sends a forward request to the friend with their own beacon and links, adding them to no table', async () => {
    const forwarder = await addContact(pool, seeded, { email: 'sharer@example.com' });
    const friend = 'friend.of.sharer@example.org';
    const request = {
      request_id: randomUUID(),
      requested_at: Date.now(),
      workspace_id: seeded.workspaceId,
      new_message_id: randomUUID(),
      friend_address: friend,
      forwarded_by_contact_id: forwarder,
      original_message_id: randomUUID(),
      email_id: seeded.emailId,
      email_version: 1,
      journey_id: 'journey-1',
      tile_id: 'tile-1',
      iteration: 0,
    };
    const producer = await BatchingProducer.connect(env.kafka);
    await producer.send({ topic: env.topics.forwardRequests, key: forwarder, value: encodeForwardRequest(request) });
    await producer.send({ topic: env.topics.forwardRequests, key: forwarder, value: encodeForwardRequest(request) }); // redelivered
    await producer.disconnect();
    await waitFor(
      () => smtp.to(friend).length,
      (n) => n >= 1,
      30_000,
    );
    const mail = await parsedFor(friend);
    const html = String(mail.html);
    const beacon = tokens.verify(/\/o\/([A-Za-z0-9_-]+)\.gif/.exec(html)?.[1] ?? '', 'open');
    expect(beacon).toMatchObject({ messageId: request.new_message_id, emailId: seeded.emailId });
    expect(beacon?.contactId).not.toBe(forwarder);
    expect(html).toContain('Hello friend from');
    expect(html).toMatch(/\/c\/[A-Za-z0-9_-]+/);
    await waitFor(
      () =>
        pool.query('SELECT state FROM sender_deliveries WHERE delivery_key = $1', [`forward:${request.request_id}`]),
      (r) => r.rows[0]?.state === 'delivered',
    );
    expect(smtp.to(friend)).toHaveLength(1);
    const stored = await pool.query(
      'SELECT (SELECT count(*)::int FROM contacts WHERE lower(email) = $1) AS contacts, (SELECT count(*)::int FROM list_memberships m JOIN contacts c ON c.id = m.contact_id WHERE lower(c.email) = $1) AS members',
      [friend],
    );
    expect(stored.rows[0]).toEqual({ contacts: 0, members: 0 });
  });

  it('serves messages by outcome, queue depth and SMTP latency on the metrics listener', async () => {
    const text = await (await fetch(`http://127.0.0.1:${sender.metricsPort()}/metrics`)).text();
    expect(text).toMatch(/cairn_sender_messages_total\{outcome="delivered"\} [1-9]/);
    expect(text).toMatch(/cairn_sender_messages_total\{outcome="blocked"\} [1-9]/);
    expect(text).toContain('cairn_sender_smtp_seconds_bucket');
    expect(text).toContain('cairn_sender_domain_queue_depth');
  });
});
