import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MAX_HEADER_BYTES, scanMessage } from './inbound-message';
import { replyVerdict } from './reply-recorder';

// Issue 20 defect 15: a message is read once, counted as it streams and never buffered whole.
const chunked = (bytes: Buffer, size: number): Readable =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)),
  );

describe('scanMessage', () => {
  it('keeps the header block (found across chunk boundaries, CRLF or bare LF) and hashes every byte', async () => {
    for (const eol of ['\r\n', '\n']) {
      const raw = Buffer.from(`From: a@example.com${eol}Subject: hi${eol}${eol}${'body '.repeat(10_000)}`);
      const scan = await scanMessage(chunked(raw, 7), { maxBytes: 1_000_000 });
      expect(scan.kind).toBe('scanned');
      if (scan.kind !== 'scanned') continue;
      expect(scan.message.header?.toString()).toBe(`From: a@example.com${eol}Subject: hi${eol}${eol}`);
      expect(scan.message.digest).toBe(createHash('sha256').update(raw).digest('hex'));
      expect(scan.message.auth.domain).toBeNull();
    }
  });

  it('takes a message without a body whole as its header, and gives no header when it is over MAX_HEADER_BYTES', async () => {
    const bodiless = await scanMessage(Readable.from([Buffer.from('Subject: only\r\n')]), { maxBytes: 1_000 });
    expect(bodiless.kind === 'scanned' && bodiless.message.header?.toString()).toBe('Subject: only\r\n');
    const huge = Buffer.from(`X-Long: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\nbody`);
    const scan = await scanMessage(chunked(huge, 65_536), { maxBytes: 10_000_000 });
    expect(scan.kind === 'scanned' && scan.message.header).toBeNull();
  });

  it('stops at the size limit: too_large as soon as the counter passes it, whatever follows', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        setImmediate(() => this.push(Buffer.alloc(16_384, 'a')));
      },
    });
    const scan = await scanMessage(endless, { maxBytes: 100_000 });
    expect(scan.kind).toBe('too_large');
    endless.destroy();
    expect(pulled).toBeLessThan(20);
  });
});

describe('replyVerdict', () => {
  const results = { spf: 'pass', dkim: 'none', dmarc: 'pass' };
  it("verifies only an authenticated From domain that is the contact's own", () => {
    expect(replyVerdict({ domain: 'example.com', results }, 'Example.com')).toEqual({
      verdict: 'verified',
      reason: 'aligned',
    });
    expect(replyVerdict({ domain: 'elsewhere.test', results }, 'example.com')).toEqual({
      verdict: 'unverified',
      reason: 'from_not_contact_domain',
    });
    expect(replyVerdict({ domain: 'example.com', results }, null)).toEqual({
      verdict: 'unverified',
      reason: 'from_not_contact_domain',
    });
    expect(replyVerdict({ domain: null, results: { ...results, dmarc: 'fail' } }, 'example.com')).toEqual({
      verdict: 'unverified',
      reason: 'dmarc_fail',
    });
    expect(replyVerdict({ domain: null, results: { ...results, dmarc: 'none' } }, 'example.com')).toEqual({
      verdict: 'unverified',
      reason: 'not_authenticated',
    });
  });
});
