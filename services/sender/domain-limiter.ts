/** Messages per second, refilled continuously, with a burst of a tenth of a second's worth (at least one). */
class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = this.burst;
  }

  private get burst(): number {
    return Math.max(1, this.perSecond / 10);
  }

  async take(): Promise<void> {
    if (this.perSecond <= 0) return;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
    }
  }
}

/**
 * Concurrency per destination domain and in total, plus a rate per domain and in total (token buckets).
 * acquire() resolves when all three allow one more message; the returned function releases the slots.
 * Waiters are served first come first served, skipping those whose domain is still full.
 */
export class DomainLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting: { domain: string; wake: () => void }[] = [];
  private total = 0;
  private readonly totalRate: TokenBucket;
  private readonly domainRates = new Map<string, TokenBucket>();

  constructor(
    private readonly perDomain: number,
    private readonly maxTotal: number,
    ratePerSecond: number,
    private readonly domainRatePerSecond = 0,
  ) {
    this.totalRate = new TokenBucket(ratePerSecond);
  }

  private readonly queued = new Map<string, number>();

  /** queued messages per domain (the /metrics gauge) */
  depths(): Map<string, number> {
    return new Map(this.queued);
  }

  private count(domain: string, delta: number): void {
    const next = (this.queued.get(domain) ?? 0) + delta;
    if (next > 0) this.queued.set(domain, next);
    else this.queued.delete(domain);
  }

  private fits(domain: string): boolean {
    return this.total < this.maxTotal && (this.active.get(domain) ?? 0) < this.perDomain;
  }

  private take(domain: string): void {
    this.total++;
    this.active.set(domain, (this.active.get(domain) ?? 0) + 1);
  }

  async acquire(domain: string): Promise<() => void> {
    // a full domain never holds up another: only a waiter of the same domain goes first
    if (this.fits(domain) && !this.queued.has(domain)) this.take(domain);
    else {
      this.count(domain, 1);
      await new Promise<void>((wake) => this.waiting.push({ domain, wake }));
    }
    await this.takeTokens(domain);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(domain);
    };
  }

  private release(domain: string): void {
    this.total--;
    const count = (this.active.get(domain) ?? 1) - 1;
    if (count <= 0) this.active.delete(domain);
    else this.active.set(domain, count);
    for (let i = 0; i < this.waiting.length && this.total < this.maxTotal;) {
      const waiter = this.waiting[i] as { domain: string; wake: () => void };
      if (this.fits(waiter.domain)) {
        this.waiting.splice(i, 1);
        this.count(waiter.domain, -1);
        this.take(waiter.domain);
        waiter.wake();
      } else i++;
    }
  }

  private async takeTokens(domain: string): Promise<void> {
    if (this.domainRatePerSecond > 0) {
      let bucket = this.domainRates.get(domain);
      if (!bucket) {
        if (this.domainRates.size > 10_000) this.domainRates.clear();
        bucket = new TokenBucket(this.domainRatePerSecond);
        this.domainRates.set(domain, bucket);
      }
      await bucket.take();
    }
    await this.totalRate.take();
  }
}
