import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import { DomainLimiter } from './domain-limiter';

describe('DomainLimiter', () => {
  it('holds a domain at its concurrency while other domains go ahead, within the total', async () => {
    const limiter = new DomainLimiter(2, 3, 0);
    const a1 = await limiter.acquire('a.test');
    const a2 = await limiter.acquire('a.test');
    let a3: (() => void) | undefined;
    void limiter.acquire('a.test').then((release) => (a3 = release));
    const b1 = await limiter.acquire('b.test');
    let b2: (() => void) | undefined;
    void limiter.acquire('b.test').then((release) => (b2 = release));
    await new Promise((resolve) => setImmediate(resolve));
    expect([a3, b2]).toEqual([undefined, undefined]);
    expect(limiter.depths()).toEqual(
      new Map([
        ['a.test', 1],
        ['b.test', 1],
      ]),
    );
    a1();
    a1(); // releasing twice frees one slot only
    await new Promise((resolve) => setImmediate(resolve));
    expect(a3).toBeDefined();
    expect(b2).toBeUndefined();
    b1();
    await new Promise((resolve) => setImmediate(resolve));
    expect(b2).toBeDefined();
    a2();
  });

  it('keeps a domain to its rate', async () => {
    const limiter = new DomainLimiter(100, 100, 0, 20);
    const started = Date.now();
    for (let i = 0; i < 6; i++) (await limiter.acquire('slow.test'))();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200); // 2 in the burst, then 4 at 20/s
    const other = Date.now();
    (await limiter.acquire('fast.test'))();
    expect(Date.now() - other).toBeLessThan(50);
  });
});

describe('DomainLimiter throttling', () => {
  const slowDown = {
    kind: 'refused',
    reply: '421 4.7.0 Try again later',
    bounce: classifyBounce({ smtpCode: 421, diagnostic: '4.7.0 Try again later' }),
  } as const;

  it("slows the key of a throttled domain only, and groups a provider's domains", async () => {
    const signals: string[] = [];
    const limiter = new DomainLimiter(100, 100, 0, 0, {
      settings: { ceilingPerSecond: 40, decreaseFactor: 0.25, holdMs: 60_000 },
      onSignal: (key, signal) => signals.push(`${key}:${signal}`),
    });
    (await limiter.acquire('gmail.com'))();
    expect(limiter.observe('GMAIL.com', slowDown)).toBe('slow');
    expect(limiter.observe('gmail.com', slowDown)).toBe('slow'); // the same burst: counted, not applied twice
    expect(signals).toEqual(['google:slow', 'google:slow']);
    expect(limiter.rateOf('googlemail.com')).toBe(10);
    expect(limiter.rateOf('example.com')).toBe(0);
    const started = Date.now();
    for (let i = 0; i < 3; i++) (await limiter.acquire('googlemail.com'))();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // 1 in the burst, then 2 at 10/s
    const other = Date.now();
    for (let i = 0; i < 20; i++) (await limiter.acquire('example.com'))();
    expect(Date.now() - other).toBeLessThan(50);
    expect(limiter.keyViews().find((v) => v.key === 'google')).toMatchObject({ perSecond: 10, signals: 2, waiting: 0 });
  });

  it('pauses a key after a refused session without holding slots others need', async () => {
    const limiter = new DomainLimiter(1, 1, 0, 0, { settings: { pauseMs: 150 } });
    expect(limiter.observe('busy.test', { kind: 'not_sent', error: 'SMTP greeting: 4.3.2 Too busy' })).toBe('pause');
    const started = Date.now();
    const paused = limiter.acquire('busy.test').then((release) => {
      release();
      return Date.now() - started;
    });
    (await limiter.acquire('free.test'))(); // the only slot is free meanwhile
    expect(Date.now() - started).toBeLessThan(50);
    expect(await paused).toBeGreaterThanOrEqual(140);
  });

  it('defers a message its key would hold past the bound, and never one of an unthrottled key', async () => {
    const limiter = new DomainLimiter(100, 100, 0, 0, { settings: { ceilingPerSecond: 20, decreaseFactor: 0.1 } });
    limiter.observe('slow.test', slowDown); // 2/s
    const slots = [0, 1, 2].map(() => limiter.acquire('slow.test', 1_000)); // up to two ahead at 2/s: 1 s
    const fourth = await limiter.acquire('slow.test', 1_000);
    expect(fourth).toEqual({ deferMs: expect.any(Number) as number });
    expect((fourth as { deferMs: number }).deferMs).toBeGreaterThan(1_000);
    expect(typeof (await limiter.acquire('other.test', 0))).toBe('function');
    for (const slot of await Promise.all(slots)) if (typeof slot === 'function') slot();
    expect((await Promise.all(slots)).every((slot) => typeof slot === 'function')).toBe(true);
  });
});
