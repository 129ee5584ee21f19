/**
 * Work that may start no earlier than a given time, run by a fixed number of workers in the order it was queued.
 * Items are queued with non-decreasing start times (each queue has one delay after a message's arrival), so the
 * head is always the next one due.
 */
export class TimedQueue {
  private readonly items: { at: number; work: () => Promise<void> }[] = [];
  private head = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  failures: Error[] = [];

  constructor(private readonly workers: number) {}

  push(at: number, work: () => Promise<void>): void {
    this.items.push({ at, work });
    if (this.running < this.workers) void this.runWorker();
  }

  private async runWorker(): Promise<void> {
    this.running++;
    try {
      while (this.head < this.items.length) {
        const item = this.items[this.head++] as { at: number; work: () => Promise<void> };
        if (this.head > 4096 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        const wait = item.at - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await item.work().catch((error: Error) => void this.failures.push(error));
      }
    } finally {
      this.running--;
      if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  get size(): number {
    return this.items.length - this.head + this.running;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.running === 0 && this.head >= this.items.length
      ? Promise.resolve()
      : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
