import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { checkEmail } from '../../lib/domain/email/email-check';
import {
  parseTrackingKeys,
  TOKEN_PURPOSES,
  type TokenPurpose,
  TRACKING_HEADER,
  TrackingTokenCodec,
} from '../../lib/contracts/tracking/tracking-token';
import { outgoingMail } from '../../services/sender/message-preparer';
import { VersionRenderer } from '../../services/sender/message-renderer';
import { SENDER_RENDER_MAX_CHARS } from '../../services/sender/sender.config';
import { SmtpDelivery } from '../../services/sender/smtp-delivery';
import { RecordingSmtp } from '../support/recording-smtp';
import { BODY_MJML, TRACKING_KEYS } from './sender-kit';

const tokens = new TrackingTokenCodec(parseTrackingKeys(TRACKING_KEYS), 1);
const CONTENT = {
  subscription_center_url: 'https://prefs.example.com/c',
  forward_url: 'https://fwd.example.com',
  postal_address: '1 Main St',
  social_links: {},
};

describe('rendered message over a real SMTP peer', () => {
  let smtp: RecordingSmtp;
  let delivery: SmtpDelivery;

  beforeAll(async () => {
    smtp = new RecordingSmtp();
    const port = await smtp.listen();
    delivery = new SmtpDelivery({
      url: `smtp://127.0.0.1:${port}`,
      maxConnections: 2,
      maxMessagesPerConnection: 100,
      perDomainConcurrency: 2,
      ratePerSecond: 0,
      dkim: null,
    });
  });

  afterAll(async () => {
    delivery.close();
    await smtp.close();
  });

  it('keeps NUL, CR and LF out of headers and body, escapes markup, and gains no recipient', async () => {
    const check = await checkEmail(
      {
        subject: 'Hi {{contact.first_name}}',
        from_address: 'news@cairn.example',
        from_name: '{{contact.first_name}} at Cairn',
        body_mjml: BODY_MJML,
      },
      CONTENT,
    );
    const version = {
      emailId: randomUUID(),
      version: 3,
      subject: 'Hi {{contact.first_name}}',
      fromAddress: 'news@cairn.example',
      fromName: '{{contact.first_name}} at Cairn',
      replyTo: null,
      previewText: '{{contact.first_name}}, news inside',
      compiledHtml: check.compiled?.html ?? '',
      attachments: [],
      contentSettingsId: null,
    };
    const renderer = new VersionRenderer(version, tokens, {
      ingestUrl: 'https://t.cairn.example',
      unsubscribeMailbox: null,
      maxRenderChars: SENDER_RENDER_MAX_CHARS,
    });
    const hostile = `Mal\0lory\r\nBcc: victim@evil.test\r\n\r\n<script>alert(1)</script>${'y'.repeat(10_000)}`;
    const identity = {
      workspaceId: randomUUID(),
      messageId: randomUUID(),
      contactId: randomUUID(),
      emailId: version.emailId,
      emailVersion: 3,
      sentAt: 1_700_000_000,
    };
    const rendered = renderer.render(
      identity,
      { contact: { first_name: hostile, attributes: {} }, account: { name: 'A' }, content: CONTENT },
      true,
    );
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
    expect(mail.subject).toBe(
      `Hi Mallory Bcc: victim@evil.test <script>alert(1)</script>${'y'.repeat(400 - 56)}`.slice(0, 400),
    );
    expect(String(mail.html)).toContain(`&lt;script&gt;alert(1)&lt;/script&gt;${'y'.repeat(10_000)}`);
    expect(mail.text).toContain('y'.repeat(10_000));
    // the preheader: first in <body>, hidden, the merge value escaped and without NUL; not in the text part
    expect(String(mail.html)).toMatch(
      /<body[^>]*><div data-cairn-preheader style="display:none;max-height:0;overflow:hidden;mso-hide:all;">Mallory\r?\nBcc: victim@evil.test\r?\n\r?\n&lt;script&gt;alert\(1\)&lt;\/script&gt;y{10000}, news inside<\/div>/,
    );
    expect(mail.text).not.toContain('news inside');
    expect(
      mail.headerLines
        .filter((h) => h.key.startsWith('list-unsubscribe'))
        .map((h) => h.key)
        .sort(),
    ).toEqual(['list-unsubscribe', 'list-unsubscribe-post']);
  });

  // Issue 20, defect 6: the pixel token must not unsubscribe, open the subscription center or forward.
  it('gives each URL and header of a message a token of its own purpose, valid for that purpose only', async () => {
    const check = await checkEmail(
      { subject: 'Hi', from_address: 'news@cairn.example', from_name: 'Cairn', body_mjml: BODY_MJML },
      CONTENT,
    );
    const attachments = [{ url: 'https://news.example.com/article/0', label: 'Brochure' }];
    const version = {
      emailId: randomUUID(),
      version: 1,
      subject: 'Hi',
      fromAddress: 'news@cairn.example',
      fromName: 'Cairn',
      replyTo: null,
      previewText: '',
      compiledHtml: check.compiled?.html ?? '',
      attachments,
      contentSettingsId: null,
    };
    const renderer = new VersionRenderer(version, tokens, {
      ingestUrl: 'https://t.cairn.example',
      unsubscribeMailbox: null,
      maxRenderChars: SENDER_RENDER_MAX_CHARS,
    });
    const identity = {
      workspaceId: randomUUID(),
      messageId: randomUUID(),
      contactId: randomUUID(),
      emailId: version.emailId,
      emailVersion: 1,
      sentAt: 1_700_000_000,
      listId: randomUUID(),
    };
    const rendered = renderer.render(
      identity,
      { contact: { first_name: 'Ann', attributes: {} }, account: { name: 'A' }, content: CONTENT },
      true,
    );
    const before = smtp.received.length;
    expect((await delivery.send(outgoingMail(rendered, version, 'purposes@example.com'))).kind).toBe('delivered');
    const mail = await simpleParser(smtp.received[before]?.raw ?? Buffer.alloc(0));
    const html = String(mail.html);
    const line = (key: string): string => mail.headerLines.find((h) => h.key === key)?.line ?? '';
    const all = (pattern: RegExp): string[] => [...html.matchAll(pattern)].map((m) => m[1] as string);

    const found: [TokenPurpose, string[]][] = [
      ['open', all(/\/o\/([A-Za-z0-9_-]+)\.gif/g)],
      ['click', all(/\/c\/([A-Za-z0-9_-]+)/g)],
      ['attachment', all(/\/a\/([A-Za-z0-9_-]+)/g)],
      ['subscription_center', all(/\/s\/([A-Za-z0-9_-]+)/g)],
      ['forward', all(/\/f\/([A-Za-z0-9_-]+)/g)],
      [
        'unsubscribe',
        [
          /\/u\/([A-Za-z0-9_-]+)>/.exec(line('list-unsubscribe'))?.[1] ?? '',
          /subject=unsubscribe%20([A-Za-z0-9_-]+)>/.exec(line('list-unsubscribe'))?.[1] ?? '',
        ],
      ],
      ['report', [line(TRACKING_HEADER.toLowerCase()).split(':')[1]?.trim() ?? '']],
    ];
    expect(found.map(([purpose, list]) => [purpose, list.length])).toEqual([
      ['open', 1],
      ['click', 9],
      ['attachment', 1],
      ['subscription_center', 1],
      ['forward', 1],
      ['unsubscribe', 2],
      ['report', 1],
    ]);
    for (const [purpose, list] of found) {
      for (const token of list) {
        for (const other of Object.keys(TOKEN_PURPOSES) as TokenPurpose[]) {
          const verified = tokens.verify(token, other);
          if (other === purpose)
            expect([purpose, verified?.messageId, verified?.listId]).toEqual([
              purpose,
              identity.messageId,
              identity.listId,
            ]);
          else expect([purpose, other, verified]).toEqual([purpose, other, null]);
        }
      }
    }
    // The List-Unsubscribe URL and its mailto carry the one unsubscribe token; every other token is distinct.
    const unsubscribe = found.find(([purpose]) => purpose === 'unsubscribe')?.[1] ?? [];
    expect(unsubscribe[0]).toBe(unsubscribe[1]);
    const distinct = new Set(found.flatMap(([, list]) => list));
    expect(distinct.size).toBe(found.reduce((n, [, list]) => n + list.length, 0) - 1);
    expect(renderer.tokensPerMessage(true)).toBe(distinct.size);

    // Not followed: no beacon nor link tokens, still the page and header tokens of their own purposes.
    const plain = renderer.render(identity, { contact: { attributes: {} }, account: {}, content: CONTENT }, false);
    expect(plain.html).not.toMatch(/\/[oca]\/[A-Za-z0-9_-]{20,}/);
    expect(tokens.verify(/\/s\/([A-Za-z0-9_-]+)/.exec(plain.html)?.[1] ?? '', 'subscription_center')).not.toBeNull();
    expect(tokens.verify(/\/f\/([A-Za-z0-9_-]+)/.exec(plain.html)?.[1] ?? '', 'forward')).not.toBeNull();
    expect(tokens.verify(plain.token, 'report')).not.toBeNull();
    expect(renderer.tokensPerMessage(false)).toBe(4);
  });
});
