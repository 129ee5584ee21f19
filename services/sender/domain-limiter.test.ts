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
