import type { ParsedMail } from 'mailparser';
import { webhookSignature } from '../../lib/contracts/webhooks/signed-webhook';
import { buildEngagement } from '../../services/engagement/engagement.app';
import { SigningDomain } from '../support/dns-fixtures';
import { newId, testLogger, uniqueName } from '../support/test-env';
import { TopicReader } from '../support/topic-reader';
import { waitFor } from '../support/wait-for';
import { tokens } from '../ingest/ingest-support';
import {
  CONTACT_DOMAIN,
  INBOUND_DOMAIN,
  INBOUND_SECRET,
  mailTo,
  REPLY_DNS,
  startEngagementKit,
  type EngagementKit,
} from './engagement-kit';
import { greet, postPartial, postReply, sendSmtp, streamOversized } from './inbound-clients';

// Issue 20, defect 15 (inbound SMTP listener, reply verification, mailto unsubscribe) and defect 14's reply
// webhook part, on the real stack: the engagement service's listener and webhook, a real SMTP client over
// loopback, PostgreSQL, Kafka. Each test fails against the listener and webhook as they were before issue 20.
const MAX_CLIENTS = 3;
const MAX_BYTES = 200_000;
const BODY = '<p>Hello {{contact.first_name}}, <a href="https://example.com/demo">book a demo</a>.</p>';

let kit: EngagementKit;
let smtpPort: number;
let httpPort: number;

beforeAll(async () => {
  kit = await startEngagementKit({
    CAIRN_ENGAGEMENT_SMTP_MAX_CLIENTS: String(MAX_CLIENTS),
    CAIRN_ENGAGEMENT_INBOUND_MAX_BYTES: String(MAX_BYTES),
    CAIRN_ENGAGEMENT_HTTP_REQUEST_TIMEOUT_MS: '1500',
  });
  smtpPort = kit.engagement.ports().smtp as number;
  httpPort = kit.engagement.ports().http;
}, 120_000);

afterAll(async () => kit?.close());

async function sendTo(): Promise<{ id: string; contactId: string; email: string; mail: ParsedMail }> {
  const email = `c.${newId().slice(0, 8)}@example.com`;
  const contact = (await kit.call('POST', '/v1/contacts', { email, first_name: 'Kim' })).json();
  const sent = await kit.call('POST', '/v1/engagement/messages', {
    subject: 'Follow-up',
    body_html: BODY,
    from_address: 'rep@cairn.example',
    recipients: [contact.id],
    owner: 'rep-9',
  });
  expect(sent.statusCode).toBe(201);
  const [mail] = await mailTo(kit.smtp, email);
  return { id: sent.json().id, contactId: contact.id, email, mail: mail as ParsedMail };
}

const replyFrom = (from: string, to: ParsedMail, body = 'Sure.') =>
  Buffer.from(
    `From: Kim <${from}>\r\nTo: rep@${INBOUND_DOMAIN}\r\nMessage-ID: <${newId()}@example.com>\r\nIn-Reply-To: ${to.messageId}\r\nSubject: Re\r\n\r\n${body}\r\n`,
  );

describe('inbound SMTP listener bounds (defect 15)', () => {
  it('answers 421 to a connection over CAIRN_ENGAGEMENT_SMTP_MAX_CLIENTS, and takes one again once a client left', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CLIENTS }, () => greet(smtpPort)));
    expect(held.map((c) => c.greeting.slice(0, 3))).toEqual(Array(MAX_CLIENTS).fill('220'));
    const extra = await greet(smtpPort);
    expect(extra.greeting).toMatch(/^421/);
    for (const connection of [...held, extra]) connection.socket.destroy();
    const again = await waitFor(
      async () => {
        const connection = await greet(smtpPort);
        connection.socket.destroy();
        return connection.greeting;
      },
      (greeting) => greeting.startsWith('220'),
      10_000,
    );
    expect(again).toMatch(/^220/);
  });

  it('answers 552 and closes as soon as a message passes the size limit, before the client has sent the rest', async () => {
    const total = 32 * 1_048_576;
    const { reply, written, finished } = await streamOversized(smtpPort, `rep@${INBOUND_DOMAIN}`, total);
    expect(reply).toMatch(/^552 5\.3\.4/);
    expect(finished).toBe(false);
    expect(written).toBeLessThan(total / 2);
    expect(await kit.engagement.metrics.replyCount('smtp', 'too_large')).toBeGreaterThanOrEqual(1);
  });

  it('refuses recipients outside the inbound domains at RCPT; with no domain configured it accepts no mail at all', async () => {
    expect(await sendSmtp(smtpPort, 'someone@elsewhere.example', Buffer.from('Subject: x\r\n\r\nx\r\n'))).toMatch(
      /^550 5\.7\.1/,
    );
    const closed = buildEngagement(
      { ...kit.engagementConfig, inboundDomains: [], groupId: uniqueName('engage-none'), port: 0, smtpPort: 0 },
      testLogger('engagement-none'),
      { dns: REPLY_DNS.resolve },
    );
    await closed.start();
    try {
      const port = closed.ports().smtp as number;
      for (const to of [`rep@${INBOUND_DOMAIN}`, 'anyone@example.com', `unsubscribe@${INBOUND_DOMAIN}`])
        expect(await sendSmtp(port, to, Buffer.from('Subject: x\r\n\r\nx\r\n'))).toMatch(/^550 5\.7\.1/);
    } finally {
      await closed.stop();
    }
  });
});

describe('reply verification (defect 15)', () => {
  it('records each reply with its SPF/DKIM/DMARC verdict; only a verified reply answers a no_reply_by reminder', async () => {
    const elsewhere = new SigningDomain('elsewhere.test');
    elsewhere.publish(REPLY_DNS);
    const [forged, spf, dkim, tampered, foreign] = [
      await sendTo(),
      await sendTo(),
      await sendTo(),
      await sendTo(),
      await sendTo(),
    ];
    // From the contact, but sent from an envelope domain that does not list 127.0.0.1 and signed by nobody
    expect(
      await sendSmtp(smtpPort, `rep@${INBOUND_DOMAIN}`, replyFrom(forged.email, forged.mail), 'bounce@evil.test'),
    ).toMatch(/^250/);
    // SPF: the contact's domain lists 127.0.0.1, and MAIL FROM is of that domain
    expect(
      await sendSmtp(smtpPort, `rep@${INBOUND_DOMAIN}`, replyFrom(spf.email, spf.mail), 'bounce@example.com'),
    ).toMatch(/^250/);
    const http = `http://127.0.0.1:${httpPort}`;
    // DKIM: posted by a relay, signed by the contact's domain
    expect((await postReply(http, await CONTACT_DOMAIN.sign(replyFrom(dkim.email, dkim.mail)))).body).toMatchObject({
      matched: true,
      auth_verdict: 'verified',
    });
    // signed, then changed on the way
    const changed = Buffer.from(
      (await CONTACT_DOMAIN.sign(replyFrom(tampered.email, tampered.mail))).toString().replace('Sure.', 'Sure!'),
    );
    expect((await postReply(http, changed)).body).toMatchObject({ matched: true, auth_verdict: 'unverified' });
    // a domain that authenticates its own mail still does not answer for the contact's
    expect(
      (await postReply(http, await elsewhere.sign(replyFrom('kim@elsewhere.test', foreign.mail)))).body,
    ).toMatchObject({ matched: true, auth_verdict: 'unverified' });

    const messages = { forged, spf, dkim, tampered, foreign };
    const { rows } = await kit.api.pool.query<{ message_id: string; auth_verdict: string; reason: string }>(
      "SELECT message_id::text, auth_verdict, auth_results->>'reason' AS reason FROM engagement_replies WHERE message_id = ANY($1::uuid[])",
      [Object.values(messages).map((m) => m.id)],
    );
    const verdictOf = (id: string) =>
      rows.filter((r) => r.message_id === id).map((r) => `${r.auth_verdict}:${r.reason}`);
    expect(Object.fromEntries(Object.entries(messages).map(([name, m]) => [name, verdictOf(m.id)]))).toEqual({
      forged: ['unverified:dmarc_fail'],
      spf: ['verified:aligned'],
      dkim: ['verified:aligned'],
      tampered: ['unverified:dmarc_fail'],
      foreign: ['unverified:from_not_contact_domain'],
    });

    const reminders = await Promise.all(
      Object.entries(messages).map(async ([name, m]) => {
        const made = await kit.call('POST', `/v1/engagement/messages/${m.id}/reminders`, {
          title: name,
          condition: 'no_reply_by',
          remind_at: new Date(Date.now() + 1500).toISOString(),
        });
        expect(made.statusCode).toBe(201);
        return [name, made.json().id as string] as const;
      }),
    );
    const decided = await waitFor(
      async () => (await kit.call('GET', '/v1/engagement/reminders')).json().items as { id: string; state: string }[],
      (items) => reminders.every(([, id]) => items.find((r) => r.id === id)?.state !== 'pending'),
      20_000,
    );
    const states = Object.fromEntries(reminders.map(([name, id]) => [name, decided.find((r) => r.id === id)?.state]));
    expect(states).toEqual({
      forged: 'fired',
      spf: 'not_needed',
      dkim: 'not_needed',
      tampered: 'fired',
      foreign: 'fired',
    });
    // kept and shown: the history lists both, each with its verdict
    const replies = async (id: string) =>
      (await kit.call('GET', `/v1/engagement/messages/${id}/history`))
        .json()
        .interactions.filter((i: { type: string }) => i.type === 'reply');
    const shown = await waitFor(
      async () => [...(await replies(forged.id)), ...(await replies(dkim.id))],
      (list) => list.length === 2,
      30_000,
    );
    expect(shown.map((i: { auth_verdict: string; source: string }) => [i.source, i.auth_verdict]).sort()).toEqual([
      ['smtp', 'unverified'],
      ['webhook', 'verified'],
    ]);
  });
});

describe('mailto unsubscribe (defect 15)', () => {
  it('mail to the unsubscribe mailbox with the message token unsubscribes like one-click and produces the event; a bad token does nothing', async () => {
    const reader = await new TopicReader(kit.api.env.kafka, [kit.api.env.topics.emailEvents]).start();
    try {
      const list = (await kit.call('POST', '/v1/lists', { name: `News ${newId().slice(0, 6)}` })).json();
      const { contactId, mail } = await sendTo();
      expect((await kit.call('POST', `/v1/lists/${list.id}/members`, { contact_ids: [contactId] })).statusCode).toBe(
        200,
      );
      // The message's report token (X-Cairn-Tracking) is no unsubscribe token (defect 6); a marketing message's
      // List-Unsubscribe mailto carries the unsubscribe token of the same message, minted here from its fields.
      const report = String(mail.headers.get('x-cairn-tracking'));
      const fields = tokens.verify(report, 'report');
      if (!fields) throw new Error('the message carries no report token');
      const token = tokens.mint({ ...fields, listId: list.id }, 'unsubscribe');
      const active = async () =>
        (
          await kit.api.pool.query(
            'SELECT unsubscribed_at FROM list_memberships WHERE list_id = $1 AND contact_id = $2',
            [list.id, contactId],
          )
        ).rows[0]?.unsubscribed_at;
      const unsubscribeMail = (subject: string) =>
        Buffer.from(
          `From: someone@example.com\r\nTo: unsubscribe@${INBOUND_DOMAIN}\r\nSubject: ${subject}\r\n\r\n\r\n`,
        );

      const forged = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      expect(
        await sendSmtp(smtpPort, `unsubscribe@${INBOUND_DOMAIN}`, unsubscribeMail(`unsubscribe ${forged}`)),
      ).toMatch(/^250/);
      expect(await kit.engagement.metrics.unsubscribeCount('bad_token')).toBe(1);
      expect(await active()).toBeNull();
      // a token of another purpose (defect 6) is as bad as a forged one
      expect(
        await sendSmtp(smtpPort, `unsubscribe@${INBOUND_DOMAIN}`, unsubscribeMail(`unsubscribe ${report}`)),
      ).toMatch(/^250/);
      expect(await kit.engagement.metrics.unsubscribeCount('bad_token')).toBe(2);
      expect(await active()).toBeNull();

      expect(
        await sendSmtp(smtpPort, `unsubscribe@${INBOUND_DOMAIN}`, unsubscribeMail(`Re: unsubscribe ${token}`)),
      ).toMatch(/^250/);
      expect(await kit.engagement.metrics.unsubscribeCount('unsubscribed')).toBe(1);
      expect(await active()).toBeInstanceOf(Date);
      const events = await waitFor(
        async () => reader.events.filter((e) => e.type === 'unsubscribe' && e.data.contact_id === contactId),
        (found) => found.length >= 1,
        20_000,
      );
      expect(events.map((e) => e.data)).toEqual([
        expect.objectContaining({ method: 'mailto', list_ids: [list.id], machine: false }),
      ]);
    } finally {
      await reader.stop();
    }
  });
});

describe('reply webhook bounds (defect 14, reply webhook)', () => {
  it('refuses a missing, malformed or stale signature before reading the body', async () => {
    const stale = webhookSignature(INBOUND_SECRET, Math.floor(Date.now() / 1000) - 3600, 'x');
    for (const signature of [null, 'garbage', stale]) {
      const answer = await postPartial(httpPort, signature, MAX_BYTES - 1_000, 10, 3_000);
      expect(answer.status).toBe(401);
      expect(answer.ms).toBeLessThan(1_000);
    }
  });

  it('answers 408 when a signed request does not finish within CAIRN_ENGAGEMENT_HTTP_REQUEST_TIMEOUT_MS', async () => {
    const fresh = webhookSignature(INBOUND_SECRET, Math.floor(Date.now() / 1000), 'not the body');
    const answer = await postPartial(httpPort, fresh, 5_000, 10, 6_000);
    expect(answer.status).toBe(408);
  });
});
