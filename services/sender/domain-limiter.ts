/**
 * Concurrency per destination domain and a total rate (token bucket refilled continuously). acquire() resolves
 * when both allow one more message; the returned function releases the domain slot.
 */
export class DomainLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly perDomain: number,
    private readonly ratePerSecond: number,
  ) {
    this.tokens = ratePerSecond;
  }

  /** queued messages per domain (the /metrics gauge) */
  depths(): Map<string, number> {
    return new Map([...this.waiting].map(([domain, queue]) => [domain, queue.length]));
  }

  async acquire(domain: string): Promise<() => void> {
    if ((this.active.get(domain) ?? 0) >= this.perDomain) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(domain) ?? [];
        queue.push(resolve);
        this.waiting.set(domain, queue);
      });
    } else this.active.set(domain, (this.active.get(domain) ?? 0) + 1);
    await this.takeToken();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(domain);
    };
  }

  private release(domain: string): void {
    const queue = this.waiting.get(domain);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(domain);
    if (next) next(); // the slot passes straight to the next waiter
    else {
      const count = (this.active.get(domain) ?? 1) - 1;
      if (count <= 0) this.active.delete(domain);
      else this.active.set(domain, count);
    }
  }

  private async takeToken(): Promise<void> {
    if (this.ratePerSecond <= 0) return;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000)));
    }
  }
}
