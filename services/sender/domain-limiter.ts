/**
 * Concurrency per destination domain and in total, plus a total rate (token bucket refilled continuously).
 * acquire() resolves when all three allow one more message; the returned function releases the slots.
 * Waiters are served first come first served, skipping those whose domain is still full.
 */
export class DomainLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting: { domain: string; wake: () => void }[] = [];
  private total = 0;
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly perDomain: number,
    private readonly maxTotal: number,
    private readonly ratePerSecond: number,
  ) {
    this.tokens = Math.max(1, ratePerSecond / 10);
  }

  /** queued messages per domain (the /metrics gauge) */
  depths(): Map<string, number> {
    const depths = new Map<string, number>();
    for (const { domain } of this.waiting) depths.set(domain, (depths.get(domain) ?? 0) + 1);
    return depths;
  }

  private fits(domain: string): boolean {
    return this.total < this.maxTotal && (this.active.get(domain) ?? 0) < this.perDomain;
  }

  private take(domain: string): void {
    this.total++;
    this.active.set(domain, (this.active.get(domain) ?? 0) + 1);
  }

  async acquire(domain: string): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(domain)) this.take(domain);
    else await new Promise<void>((wake) => this.waiting.push({ domain, wake }));
    await this.takeToken();
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
    for (let i = 0; i < this.waiting.length && this.total < this.maxTotal; ) {
      const waiter = this.waiting[i] as { domain: string; wake: () => void };
      if (this.fits(waiter.domain)) {
        this.waiting.splice(i, 1);
        this.take(waiter.domain);
        waiter.wake();
      } else i++;
    }
  }

  private async takeToken(): Promise<void> {
    if (this.ratePerSecond <= 0) return;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(Math.max(1, this.ratePerSecond / 10), this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000)));
    }
  }
}
