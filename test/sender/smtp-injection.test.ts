import { randomUUID } from 'node:crypto';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { sendBatches, sendBatchJobId } from '../../lib/contracts/sending/send-request';
import type { TestSendJob } from '../../lib/contracts/sending/test-send';
import { LeanSmtpPool } from '../../services/sender/lean-smtp';
import { composeMime } from '../../services/sender/mime-composer';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import type { OutgoingMail } from '../../services/sender/mail-types';
import { SmtpDelivery } from '../../services/sender/smtp-delivery';
import { client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from '../api/api-test-kit';
import { RecordingSmtp } from '../support/recording-smtp';
import { testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { addContact, collectEvents, seedWorkspace, sendRequest, senderConfig, senderQueueFor } from './sender-kit';

/**
 * Issue 20, defect 4: SMTP command injection through an email's from address. The attack: a CRLF in the
 * from address ends MAIL FROM and smuggles a whole second transaction (to another recipient) onto the connection.
 * A real SMTP peer records every MAIL FROM and RCPT TO it parses: it must see exactly one transaction, the
 * legitimate one, however the attack reaches the transport.
 */
const ATTACK =
  'news@cairn.example>\r\nRCPT TO:<victim@evil.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\nMAIL FROM:<news@cairn.example';
const REFUSED = { kind: 'invalid', code: 'SMTP_ENVELOPE_UNSAFE', error: expect.any(String) };

const mail = (from: string, to: string): OutgoingMail => ({
  from: { name: 'Cairn', address: from },
  to,
  subject: 'Hello',
  html: '<p>Hello</p>',
  text: 'Hello',
  messageId: `${randomUUID()}@cairn.example`,
  headers: {},
});

describe('the SMTP transport refuses what no path may hold, and stays in step (defect 4)', () => {
  let smtp: RecordingSmtp;
  let url: string;
  beforeEach(async () => {
    smtp = new RecordingSmtp();
    url = `smtp://127.0.0.1:${await smtp.listen()}`;
  });
  afterEach(async () => smtp.close());

  it("lean pipelined client: the issue's from address and a CRLF recipient are refused, then one clean transaction", async () => {
    const pool = new LeanSmtpPool(url, { maxMessagesPerConnection: 100 });
    try {
      const raw = composeMime(mail('news@cairn.example', 'reader@example.com'));
      expect(await pool.send(ATTACK, 'reader@example.com', raw)).toEqual(REFUSED);
      expect(await pool.send('news@cairn.example', 'reader@example.com>\r\nRCPT TO:<victim@evil.test', raw)).toEqual(
        REFUSED,
      );
      expect(await pool.send('news@cairn.example\0', 'reader@example.com', raw)).toEqual(REFUSED);
      // the same pooled connection carries the next message, in step
      expect(await pool.send('news@cairn.example', 'reader@example.com', raw)).toMatchObject({ kind: 'delivered' });
      expect(smtp.mailFrom).toEqual(['news@cairn.example']);
      expect(smtp.rcptTo).toEqual(['reader@example.com']);
      expect(smtp.received.map((r) => r.to)).toEqual([['reader@example.com']]);
    } finally {
      pool.close();
    }
  });

  it.each(['lean', 'nodemailer'] as const)(
    '%s delivery: a refused envelope is a non-retriable failure with its code',
    async (clientName) => {
      const delivery = new SmtpDelivery({
        url,
        client: clientName,
        maxConnections: 1,
        maxMessagesPerConnection: 100,
        perDomainConcurrency: 1,
        ratePerSecond: 0,
        dkim: null,
      });
      try {
        expect(await delivery.send(mail(ATTACK, 'reader@example.com'))).toEqual(REFUSED);
        expect(await delivery.send(mail('news@cairn.example\0', 'reader@example.com'))).toEqual(REFUSED);
        expect(await delivery.send(mail('news@cairn.example', 'reader@example.com'))).toMatchObject({
          kind: 'delivered',
        });
        expect(smtp.mailFrom).toEqual(['news@cairn.example']);
        expect(smtp.rcptTo).toEqual(['reader@example.com']);
      } finally {
        delivery.close();
      }
    },
  );
});

describe('addresses are checked where they are stored, and bad stored ones are refused, not sent (defect 4)', () => {
  let kit: ApiKit;
  let smtp: RecordingSmtp;
  let sender: SenderService;
  let api: ReturnType<typeof client>;
  let collected: Awaited<ReturnType<typeof collectEvents>>;

  beforeAll(async () => {
    smtp = new RecordingSmtp();
    const port = await smtp.listen();
    const prefix = uniqueName('inj');
    kit = await startApiKit({ queuePrefix: prefix });
    sender = buildSender(
      senderConfig(kit.env, port, { CAIRN_QUEUE_PREFIX: prefix, CAIRN_SENDER_METRICS_PORT: '-1' }),
      testLogger('sender'),
    );
    await sender.start();
    collected = await collectEvents(kit.env);
    api = client(kit, (await createWorkspace(kit, 'injection')).key);
    await api('POST', '/v1/content-settings', {
      name: 'D',
      subscription_center_url: 'https://p.example.com',
      postal_address: '1 Main St',
      is_default: true,
    });
  });
  afterAll(async () => {
    await sender.stop();
    await collected.stop();
    await kit.close();
    await smtp.close();
  });

  const delivery = (key: string) =>
    kit.pool
      .query<{ state: string }>('SELECT state FROM sender_deliveries WHERE delivery_key = $1', [key])
      .then((r) => r.rows[0]?.state);

  it('answers 400 naming the field for a draft, a reply-to, a one-to-one message and a contact, and stores nothing', async () => {
    const created = await api('POST', '/v1/emails', {
      name: 'attack',
      subject: 'Hi',
      from_address: ATTACK,
      body_mjml: MJML_OK,
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().errors).toEqual([
      { field: 'from_address', message: expect.stringMatching(/one plain address/) },
    ]);
    expect((await api('GET', '/v1/emails')).json().items).toEqual([]);

    const email = (
      await api('POST', '/v1/emails', {
        name: 'ok',
        subject: 'Hi',
        from_address: 'news@example.com',
        body_mjml: MJML_OK,
      })
    ).json();
    const edited = await api('PATCH', `/v1/emails/${email.id}`, {
      reply_to: 'a@example.com\r\nBcc: victim@evil.test',
      from_address: 'Ann <a@example.com>',
    });
    expect(edited.statusCode).toBe(400);
    expect(
      edited
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['from_address', 'reply_to']);
    expect((await api('GET', `/v1/emails/${email.id}`)).json().draft).toMatchObject({
      from_address: 'news@example.com',
    });

    const message = await api('POST', '/v1/engagement/messages', {
      subject: 'x',
      body_html: '<p>x</p>',
      from_address: ATTACK,
      reply_to: 'b@example.com\0',
      recipients: [randomUUID()],
    });
    expect(message.statusCode).toBe(400);
    expect(
      message
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['from_address', 'reply_to']);

    const contact = await api('POST', '/v1/contacts', { email: 'reader@example.com>\r\nRCPT TO:<victim@evil.test' });
    expect(contact.statusCode).toBe(400);
    expect(contact.json().errors).toEqual([{ field: 'email', message: expect.stringMatching(/one plain address/) }]);
  });

  it("refuses a test send of a draft saved with the issue's from address (422), and the peer sees one clean transaction", async () => {
    const contact = (await api('POST', '/v1/contacts', { email: 'ada@example.com', first_name: 'Ada' })).json().id;
    const legacy = (
      await api('POST', '/v1/emails', {
        name: 'legacy',
        subject: 'Hi',
        from_address: 'news@example.com',
        body_mjml: MJML_OK,
      })
    ).json().id;
    // saved before the API checked addresses: written straight into the draft
    await kit.pool.query('UPDATE emails SET draft = draft || $2::jsonb WHERE id = $1', [
      legacy,
      JSON.stringify({ from_address: ATTACK }),
    ]);
    const refused = await api('POST', `/v1/emails/${legacy}/test-send`, { contact_id: contact, to: ['qa@t.test'] });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual(
      expect.arrayContaining([{ field: 'from_address', message: expect.stringMatching(/valid address/) }]),
    );

    const good = (
      await api('POST', '/v1/emails', {
        name: 'good',
        subject: 'Hi',
        from_address: 'news@example.com',
        body_mjml: MJML_OK,
      })
    ).json().id;
    const sent = await api('POST', `/v1/emails/${good}/test-send`, { contact_id: contact, to: ['qa@t.test'] });
    expect(sent.statusCode).toBe(202);
    await waitFor(
      () => delivery(`test:${sent.json().request_id}:0`),
      (state) => state === 'delivered',
    );
    expect(smtp.mailFrom).toEqual(['news@example.com']);
    expect(smtp.rcptTo).toEqual(['qa@t.test']);
  });

  it('refuses a queued test job and a frozen version carrying the attack before SMTP; the connection stays in step', async () => {
    const seeded = await seedWorkspace(kit.pool);
    const queue = senderQueueFor(kit.redis, kit.config.queuePrefix);
    const [fromsBefore, rcptsBefore] = [smtp.mailFrom.length, smtp.rcptTo.length];
    try {
      const job = (from: string, to: string): TestSendJob => ({
        v: 1,
        kind: 'test',
        request_id: randomUUID(),
        workspace_id: seeded.workspaceId,
        email_id: seeded.emailId,
        to: [to],
        subject: 'Hi',
        from_name: 'Cairn',
        from_address: from,
        reply_to: null,
        html: '<p>Hi</p>',
        requested_at: Date.now(),
      });
      const queuedBefore = job(ATTACK, 'qa2@t.test');
      await queue.add('test', queuedBefore, { jobId: `test-${queuedBefore.request_id}` });
      await waitFor(
        () => delivery(`test:${queuedBefore.request_id}:0`),
        (state) => state === 'failed',
      );

      // a version frozen with the attack in its from address (before go-live checked it)
      await kit.pool.query(
        'INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, compiled_html) SELECT email_id, 2, workspace_id, subject, $2, from_name, compiled_html FROM email_versions WHERE email_id = $1',
        [seeded.emailId, ATTACK],
      );
      const contact = await addContact(kit.pool, seeded, { email: 'bo@example.com' });
      const request = { ...sendRequest(seeded, contact), email_version: 2 };
      for (const batch of sendBatches([request])) await queue.add('send', batch, { jobId: sendBatchJobId(batch) });
      await waitFor(
        () => delivery(request.key),
        (state) => state === 'failed',
      );
      const failed = await waitFor(
        () =>
          collected.events.filter(
            (e): e is Extract<CairnEvent, { type: 'sending_failed' }> =>
              e.type === 'sending_failed' && e.data.contact_id === contact,
          ),
        (events) => events.length === 1,
      );
      expect(failed[0]?.data.error_code).toBe('SENDER_ADDRESS_INVALID');

      const clean = job('news@cairn.example', 'qa3@t.test');
      await queue.add('test', clean, { jobId: `test-${clean.request_id}` });
      await waitFor(
        () => delivery(`test:${clean.request_id}:0`),
        (state) => state === 'delivered',
      );
      expect(smtp.mailFrom.slice(fromsBefore)).toEqual(['news@cairn.example']);
      expect(smtp.rcptTo.slice(rcptsBefore)).toEqual(['qa3@t.test']);
    } finally {
      await queue.close();
    }
  });
});
