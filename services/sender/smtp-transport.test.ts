import { DEFAULT_TLS, needsSmtpUtf8, routeOf } from './smtp-transport';

describe('routeOf', () => {
  it.each([
    ['smtp://relay.example.com:587', 'required', 587, false],
    ['smtp://127.0.0.1:2525', 'opportunistic', 2525, false],
    ['smtp://localhost', 'opportunistic', 25, false],
    ['smtp://[::1]:2525', 'opportunistic', 2525, false],
    ['smtps://relay.example.com', 'required', 465, true],
  ])('%s: TLS %s by default, port %d, implicit TLS %s', (url, policy, port, implicitTls) => {
    expect(routeOf(url, DEFAULT_TLS)).toMatchObject({ policy, port, implicitTls, verify: true });
  });

  it('an explicit policy wins over the loopback default', () => {
    expect(routeOf('smtp://127.0.0.1:2525', { ...DEFAULT_TLS, policy: 'required' }).policy).toBe('required');
    expect(routeOf('smtp://relay.example.com', { ...DEFAULT_TLS, policy: 'off' }).policy).toBe('off');
  });

  it('decodes credentials and refuses them with TLS off on a plain route', () => {
    expect(routeOf('smtp://us%40er:p%20w@relay.example.com', DEFAULT_TLS)).toMatchObject({
      user: 'us@er',
      pass: 'p w',
    });
    expect(() => routeOf('smtp://user:pw@relay.example.com', { ...DEFAULT_TLS, policy: 'off' })).toThrow(/clear/);
    expect(routeOf('smtps://user:pw@relay.example.com', { ...DEFAULT_TLS, policy: 'off' }).implicitTls).toBe(true);
  });
});

it('needsSmtpUtf8: only addresses beyond ASCII', () => {
  expect(needsSmtpUtf8('news@cairn.example', 'reader@example.com')).toBe(false);
  expect(needsSmtpUtf8('news@cairn.example', 'josé@example.com')).toBe(true);
});
