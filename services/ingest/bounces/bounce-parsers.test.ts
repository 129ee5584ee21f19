import { randomBytes } from 'node:crypto';
import { parseArf } from './arf-parser';
import { sampleArf, sampleDsn } from '../../../test/support/bounce-fixtures';
import { addressOf, parseDsn } from './dsn-parser';

const H = 'X-Cairn-Tracking';

describe('parseDsn', () => {
  it('reads recipient, status, diagnostic and the tracking header of the returned message', () => {
    const raw = sampleDsn({
      recipient: 'Ann@Example.com',
      status: '5.1.1',
      diagnostic: '550 5.1.1 user unknown',
      token: 'tok123',
    });
    const result = parseDsn(raw, H);
    expect(result.ok && result.value).toMatchObject({
      reportingMta: 'mx.example.net',
      trackingToken: 'tok123',
      recipients: [
        { recipient: 'ann@example.com', action: 'failed', status: '5.1.1', classification: { bounceClass: 'hard' } },
      ],
    });
  });

  it('never throws on garbage and gives a reason', () => {
    for (const garbage of [
      '',
      'hello',
      randomBytes(5000).toString('latin1'),
      'Content-Type: multipart/report; boundary=x\n\n--x\n',
    ]) {
      const result = parseDsn(garbage, H);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/\w/);
    }
  });
});

describe('parseArf', () => {
  it('reads the feedback type, reporter, recipient and tracking header', () => {
    const result = parseArf(sampleArf({ recipient: 'bob@example.org', token: 'tokABC' }), H);
    expect(result.ok && result.value).toEqual({
      feedbackType: 'abuse',
      reporter: 'mail.isp.example',
      originalRecipient: 'bob@example.org',
      trackingToken: 'tokABC',
    });
  });

  it('rejects a DSN and garbage with a reason', () => {
    expect(parseArf(sampleDsn({ recipient: 'a@b.c', status: '5.1.1', diagnostic: 'x' }), H).ok).toBe(false);
    expect(parseArf(randomBytes(3000).toString('latin1'), H).ok).toBe(false);
  });
});

describe('parsers on mangled reports', () => {
  /** Deterministic pseudo-random mutations (xorshift) so a failure reproduces. */
  function mutations(source: string, count: number): string[] {
    let seed = 0x9e3779b9;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    return Array.from({ length: count }, () => {
      const chars = [...source];
      for (let i = 0; i < 1 + Math.floor(next() * 20); i++) {
        const at = Math.floor(next() * chars.length);
        const op = next();
        if (op < 0.4) chars.splice(at, 1 + Math.floor(next() * 40));
        else if (op < 0.7) chars.splice(at, 0, String.fromCharCode(Math.floor(next() * 256)));
        else
          chars.splice(
            at,
            0,
            ...(['\r\n', '--B0UND', ';', ':', '"', '\n\n', 'boundary='][Math.floor(next() * 7)] ?? ''),
          );
      }
      return chars.join('');
    });
  }

  it('never throw, whatever the damage', () => {
    const dsn = sampleDsn({
      recipient: 'a@b.example',
      status: '5.1.1',
      diagnostic: '550 5.1.1 user unknown',
      token: 'tok',
    });
    const arf = sampleArf({ recipient: 'a@b.example', token: 'tok' });
    for (const mangled of [...mutations(dsn, 400), ...mutations(arf, 400)]) {
      expect(() => parseDsn(mangled, H)).not.toThrow();
      expect(() => parseArf(mangled, H)).not.toThrow();
    }
  });
});

describe('reported recipients', () => {
  it('are one plain mailbox by the address validator, lower-cased, or nothing', () => {
    expect(addressOf('rfc822; <Ann@Example.com>')).toBe('ann@example.com');
    expect(addressOf('bob@example.org')).toBe('bob@example.org');
    for (const bad of [
      undefined,
      '',
      'rfc822;',
      'no-at-sign',
      'a@b@c.example',
      'ann@localhost',
      '"a b"@example.com',
      'ann@-x.example',
      'a\u0000@example.com',
    ]) {
      expect([bad, addressOf(bad)]).toEqual([bad, null]);
    }
  });
});
