import { BoundedCache, WindowCounter } from './bounded-cache';
import { safeDestination } from './links.repository';
import { machineReason, parseCidrs } from './machine-traffic';

describe('safeDestination', () => {
  it.each(['https://example.com/a?b=c', 'http://example.com', 'HTTPS://Example.com/path#frag'])('allows %s', (url) => {
    expect(safeDestination(url)).not.toBeNull();
  });
  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    '//evil.example/',
    '/\\evil.example',
    'https:/\\evil.example',
    'https://example.com/\r\nSet-Cookie: a=b',
    'https://example.com/\u0000',
    ' https://example.com',
    'data:text/html,<script>alert(1)</script>',
    'https://user:pass@example.com/',
    'ftp://example.com/',
    'https://',
  ])('refuses %j', (url) => {
    expect(safeDestination(url)).toBeNull();
  });
});

describe('machineReason', () => {
  const human = {
    method: 'GET',
    headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux) Chrome/120' },
    ip: '203.0.113.9',
    sentAt: 1000,
    nowMs: 2_000_000,
  };
  const nets = parseCidrs(['198.51.100.0/24']);
  it('is null for a person', () => expect(machineReason(human, nets, 5)).toBeNull());
  it.each([
    [{ method: 'HEAD' }, 'head'],
    [{ headers: { ...human.headers, purpose: 'prefetch' } }, 'prefetch'],
    [{ headers: { 'user-agent': 'python-requests/2.31' } }, 'scanner_ua'],
    [{ headers: {} }, 'scanner_ua'],
    [{ ip: '198.51.100.77' }, 'scanner_net'],
    [{ ip: '::ffff:17.58.1.2' }, 'apple_mpp'],
    [{ nowMs: 1000 * 1000 + 2000 }, 'too_soon'],
  ])('%j → %s', (change, reason) => {
    expect(machineReason({ ...human, ...change }, nets, 5)).toBe(reason);
  });
  it.each([
    '10.0.0.0/33',
    '1.2.3/8',
    '1.2.3.4.5/32',
    '256.1.1.1/32',
    '1..2.3/32',
    '1.2.3.4x/32',
    '1234.1.1.1/32',
    '-1.2.3.4/32',
    '/8',
  ])('refuses the malformed network %s', (spec) => expect(() => parseCidrs([spec])).toThrow());
  it('matches IPv4-mapped addresses, networks of any prefix, and leaves IPv6 alone', () => {
    const wide = parseCidrs(['10.0.0.0/8', '192.168.1.7']);
    for (const ip of ['10.255.0.1', '::ffff:10.1.2.3', '192.168.1.7'])
      expect(machineReason({ ...human, ip }, wide, 5)).toBe('scanner_net');
    for (const ip of ['11.0.0.1', '192.168.1.70', '2001:db8::1', '10.0.0'])
      expect(machineReason({ ...human, ip }, wide, 5)).toBeNull();
  });
  it.each(['purpose', 'sec-purpose', 'x-moz'])('labels a prefetch announced in %s', (name) =>
    expect(machineReason({ ...human, headers: { ...human.headers, [name]: 'Prefetch' } }, nets, 5)).toBe('prefetch'),
  );
});

describe('bounded cache and window counter', () => {
  it('evicts the least recently used entry and expires entries', () => {
    const cache = new BoundedCache<number>(2, 1000);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    expect(cache.get('a', 10)).toBe(1);
    cache.set('c', 3, 10);
    expect(cache.get('b', 10)).toBeUndefined();
    expect(cache.get('a', 2000)).toBeUndefined();
    expect(cache.size).toBe(1);
  });
  it('counts per key up to the limit', () => {
    const counter = new WindowCounter(2, 1000);
    expect([counter.take('k', 0), counter.take('k', 1), counter.take('k', 2), counter.take('other', 2)]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(counter.exhausted('k', 3)).toBe(true);
  });
});
