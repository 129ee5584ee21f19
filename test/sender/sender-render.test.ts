import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { checkEmail } from '../../lib/email/email-check';
import { parseTrackingKeys, TrackingTokenCodec } from '../../lib/tracking/tracking-token';
import { outgoingMail } from '../../services/sender/message-preparer';
import { VersionRenderer } from '../../services/sender/message-renderer';
import { SENDER_RENDER_MAX_CHARS } from '../../services/sender/sender.config';
import { SmtpDelivery } from '../../services/sender/smtp-delivery';
import { RecordingSmtp } from '../support/recording-smtp';
import { BODY_MJML, TRACKING_KEYS } from './sender-kit';

const tokens = new TrackingTokenCodec(parseTrackingKeys(TRACKING_KEYS), 1);
const CONTENT = { subscription_center_url: 'https://prefs.example.com/c', forward_url: 'https://fwd.example.com', postal_address: '1 Main St', social_links: {} };

describe('rendered message over a real SMTP peer', () => {
  let smtp: RecordingSmtp;
  let delivery: SmtpDelivery;

  beforeAll(async () => {
    smtp = new RecordingSmtp();
    const port = await smtp.listen();
    delivery = new SmtpDelivery({ url: `smtp://127.0.0.1:${port}`, maxConnections: 2, maxMessagesPerConnection: 100, perDomainConcurrency: 2, ratePerSecond: 0, socketTimeoutMs: 5000, dkim: null });
  });

  afterAll(async () => {
    delivery.close();
    await smtp.close();
  });

  it('keeps NUL, CR and LF out of headers and body, escapes markup, and gains no recipient', async () => {
    const check = await checkEmail({ subject: 'Hi {{contact.first_name}}', from_address: 'news@cairn.example', from_name: '{{contact.first_name}} at Cairn', body_mjml: BODY_MJML }, CONTENT);
    const version = { emailId: randomUUID(), version: 3, subject: 'Hi {{contact.first_name}}', fromAddress: 'news@cairn.example', fromName: '{{contact.first_name}} at Cairn', replyTo: null, compiledHtml: check.compiled?.html ?? '', attachments: [], contentSettingsId: null };
    const renderer = new VersionRenderer(version, tokens, { ingestUrl: 'https://t.cairn.example', unsubscribeMailbox: null, maxRenderChars: SENDER_RENDER_MAX_CHARS });
    const hostile = `Mal\0lory\r\nBcc: victim@evil.test\r\n\r\n<script>alert(1)</script>${'y'.repeat(10_000)}`;
    const identity = { workspaceId: randomUUID(), messageId: randomUUID(), contactId: randomUUID(), emailId: version.emailId, emailVersion: 3, sentAt: 1_700_000_000 };
    const rendered = renderer.render(identity, { contact: { first_name: hostile, attributes: {} }, account: { name: 'A' }, content: CONTENT }, true);
    expect(rendered.subject).not.toMatch(/[\r\n\0]/);
    expect(rendered.fromName).not.toMatch(/[\r\n\0]/);
    expect(rendered.html).not.toContain('\0');
    expect(rendered.html).not.toContain('<script>');
    const outcome = await delivery.send(outgoingMail(rendered, version, 'rcpt@example.com'));
    expect(outcome.kind).toBe('delivered');
    expect(smtp.received.map((r) => r.to)).toEqual([['rcpt@example.com']]);
    const raw = smtp.received[0]?.raw ?? Buffer.alloc(0);
    expect(raw.includes(0)).toBe(false);
    const mail = await simpleParser(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.subject).toBe(`Hi Mallory Bcc: victim@evil.test <script>alert(1)</script>${'y'.repeat(400 - 56)}`.slice(0, 400));
    expect(String(mail.html)).toContain(`&lt;script&gt;alert(1)&lt;/script&gt;${'y'.repeat(10_000)}`);
    expect(mail.text).toContain('y'.repeat(10_000));
    expect(mail.headerLines.filter((h) => h.key.startsWith('list-unsubscribe')).map((h) => h.key).sort()).toEqual(['list-unsubscribe', 'list-unsubscribe-post']);
  });
});
