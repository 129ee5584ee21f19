import { simpleParser } from 'mailparser';
import { composeMime } from './mime-composer';

const mail = (overrides: Partial<Parameters<typeof composeMime>[0]> = {}): Parameters<typeof composeMime>[0] => ({
  from: { name: 'Cairn News', address: 'news@cairn.example' },
  to: 'ann@example.com',
  subject: 'Hello',
  html: '<p>Hello <b>Ann</b></p>',
  text: 'Hello Ann',
  messageId: 'abc@cairn.example',
  unsubscribe: ['https://t.example/u/TOKEN', 'mailto:unsubscribe@cairn.example?subject=unsubscribe%20TOKEN'],
  listId: 'list.lists.cairn.example',
  headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Feedback-ID': 'j:e:w:cairn' },
  ...overrides,
});

describe('composeMime', () => {
  it('round-trips through a MIME parser: headers, both parts, non-ASCII and quoted names', async () => {
    const subject = `Grüße, Åse — ${'lange '.repeat(30)}`;
    const parsed = await simpleParser(
      composeMime(
        mail({
          subject,
          from: { name: 'Fjord "AS", Oslo', address: 'news@cairn.example' },
          html: '<p>ÆØÅ 😀</p>',
          text: 'ÆØÅ 😀',
        }),
      ),
    );
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value).toEqual([{ name: 'Fjord "AS", Oslo', address: 'news@cairn.example' }]);
    expect(parsed.to && 'value' in parsed.to ? parsed.to.value : []).toEqual([
      { name: '', address: 'ann@example.com' },
    ]);
    expect(parsed.html).toContain('ÆØÅ 😀');
    expect(parsed.text?.trim()).toBe('ÆØÅ 😀');
    expect(parsed.messageId).toBe('<abc@cairn.example>');
    const keys = parsed.headerLines.map((h) => h.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'list-unsubscribe',
        'list-unsubscribe-post',
        'list-id',
        'feedback-id',
        'date',
        'mime-version',
      ]),
    );
  });

  it('keeps every header single-line whatever the values hold, and every line within 998 characters', () => {
    const raw = composeMime(
      mail({
        subject: `a\r\nBcc: x@evil.test\0${'y'.repeat(400)}`,
        from: { name: 'n\r\nTo: z@evil.test', address: 'news@cairn.example' },
        html: 'z'.repeat(10_000),
      }),
    ).toString();
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^(Bcc|To: z)/m);
    expect(head).not.toContain('\0');
    expect(Math.max(...raw.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(998);
  });

  it('attaches files in multipart/mixed, any file name kept out of the header syntax', async () => {
    const content = Buffer.from('%PDF-1.4 '.repeat(40));
    const raw = composeMime(
      mail({
        attachments: [
          { filename: 'Pris "liste"\r\nBcc: x@evil.test.pdf', contentType: 'application/pdf', content },
          { filename: 'ÆØÅ.txt', contentType: 'bad type', content: Buffer.from('hei') },
        ],
      }),
    );
    const parsed = await simpleParser(raw);
    expect(parsed.html).toContain('Hello <b>Ann</b>');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['Pris "liste" Bcc: x@evil.test.pdf', 'ÆØÅ.txt']);
    expect(parsed.attachments[0]?.contentType).toBe('application/pdf');
    expect(raw.toString()).toContain('Content-Type: application/octet-stream');
    expect(parsed.attachments[0]?.content.equals(content)).toBe(true);
    expect(raw.toString().slice(0, raw.indexOf('\r\n\r\n'))).not.toMatch(/^Bcc/m);
  });
});
