import { ProviderResolver, providerOfDomain, providerOfMx } from './provider-groups';

describe('provider grouping', () => {
  it('groups well-known domains and MX hosts by provider', () => {
    expect(['gmail.com', 'GoogleMail.com'].map(providerOfDomain)).toEqual(['google', 'google']);
    expect(['hotmail.com', 'live.com', 'msn.com'].map(providerOfDomain)).toEqual([
      'microsoft',
      'microsoft',
      'microsoft',
    ]);
    expect(['ymail.com', 'aol.com', 'me.com'].map(providerOfDomain)).toEqual(['yahoo', 'yahoo', 'apple']);
    expect(providerOfDomain('example.com')).toBeNull();
    expect(providerOfMx('ASPMX.L.GOOGLE.COM.')).toBe('google');
    expect(providerOfMx('acme-com.mail.protection.outlook.com')).toBe('microsoft');
    expect(providerOfMx('mta7.am0.yahoodns.net')).toBe('yahoo');
    expect(providerOfMx('notgoogle.com')).toBeNull();
    expect(providerOfMx('mx.example.com')).toBeNull();
  });

  it('resolves a Workspace domain through its lowest-priority MX, cached for the TTL', async () => {
    const clock = { now: 0 };
    const asked: string[] = [];
    const resolver = new ProviderResolver({
      timeoutMs: 200,
      ttlMs: 60_000,
      now: () => clock.now,
      resolveMx: async (domain) => {
        asked.push(domain);
        return domain === 'acme.test'
          ? [
              { exchange: 'backup.acme.test', priority: 20 },
              { exchange: 'aspmx.l.google.com', priority: 1 },
            ]
          : [{ exchange: 'mx.plain.test', priority: 10 }];
      },
    });
    expect(await resolver.keyOf('ACME.test')).toBe('google');
    expect(await resolver.keyOf('acme.test')).toBe('google');
    expect(await resolver.keyOf('plain.test')).toBe('plain.test');
    expect(await resolver.keyOf('gmail.com')).toBe('google'); // the table: no lookup
    expect(asked).toEqual(['acme.test', 'plain.test']);
    clock.now += 60_001;
    await resolver.keyOf('acme.test');
    expect(asked).toEqual(['acme.test', 'plain.test', 'acme.test']);
    expect(resolver.cached('acme.test')).toBe('google');
  });

  it('never holds a send past the timeout; a failure is the domain itself', async () => {
    let answer: (records: { exchange: string; priority: number }[]) => void = () => undefined;
    const resolver = new ProviderResolver({
      timeoutMs: 20,
      ttlMs: 60_000,
      resolveMx: (domain) =>
        domain === 'slow.test' ? new Promise((resolve) => (answer = resolve)) : Promise.reject(new Error('ENOTFOUND')),
    });
    const started = Date.now();
    expect(await resolver.keyOf('slow.test')).toBe('slow.test');
    expect(Date.now() - started).toBeLessThan(500);
    answer([{ exchange: 'mx1.hotmail.com', priority: 5 }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await resolver.keyOf('slow.test')).toBe('microsoft'); // the late answer was kept
    expect(await resolver.keyOf('gone.test')).toBe('gone.test');
  });

  it('does no lookup with a zero timeout', async () => {
    const resolver = new ProviderResolver({
      timeoutMs: 0,
      ttlMs: 1_000,
      resolveMx: () => Promise.reject(new Error('not called')),
    });
    expect(await resolver.keyOf('hotmail.com')).toBe('microsoft');
    expect(await resolver.keyOf('acme.test')).toBe('acme.test');
  });
});
