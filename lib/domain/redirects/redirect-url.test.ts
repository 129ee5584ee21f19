import { checkDestination, isRedirectCode, newRedirectCode, REDIRECT_CODE_LENGTH } from './redirect-url';

describe('redirect URL codes', () => {
  it('are base62 of the fixed length, and differ', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => newRedirectCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) {
      expect(code).toMatch(new RegExp(`^[0-9A-Za-z]{${REDIRECT_CODE_LENGTH}}$`));
      expect(isRedirectCode(code)).toBe(true);
    }
  });

  it('refuses any other path segment', () => {
    for (const bad of ['', 'abc', 'abcdefg!', 'abcd efgh', '../abcdefgh', 'a'.repeat(17), 'abcdefgh%2F'])
      expect([bad, isRedirectCode(bad)]).toEqual([bad, false]);
  });
});

describe('a redirect destination', () => {
  it('is canonicalised by the URL parser', () => {
    expect(checkDestination('HTTPS://Example.COM/a/../b?q=1#top')).toEqual({
      ok: true,
      url: 'https://example.com/b?q=1#top',
    });
    expect(checkDestination('http://example.com')).toEqual({ ok: true, url: 'http://example.com/' });
    expect(checkDestination('https://93.184.216.34:8443/x')).toEqual({ ok: true, url: 'https://93.184.216.34:8443/x' });
  });

  it.each([
    ['javascript:alert(1)', 'http or https'],
    ['ftp://example.com/file', 'http or https'],
    ['//example.com/a', 'absolute URL'],
    ['/relative', 'absolute URL'],
    ['https://user:pw@example.com/', 'user name or password'],
    ['https://example.com/\r\nSet-Cookie: a=b', 'control characters'],
    [`https://example.com/${'a'.repeat(2048)}`, 'at most 2048'],
    ['http://127.0.0.1/admin', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['http://192.168.0.1:8080/', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'ipv4Mapped'],
    ['http://localhost:3000/', 'loopback name'],
    ['http://app.localhost/', 'loopback name'],
  ])('refuses %s', (raw, problem) => {
    const check = checkDestination(raw);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.problem).toContain(problem);
  });

  it("refuses ingest's own redirect path (a chain), not its other pages", () => {
    const own = 'https://go.cairn.test';
    expect(checkDestination('https://go.cairn.test/r/AbCdEf12', own)).toEqual({
      ok: false,
      problem: 'must not be another redirect URL',
    });
    expect(checkDestination('https://go.cairn.test/p/some-page', own).ok).toBe(true);
  });
});
