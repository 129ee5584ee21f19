/** Bounded LRU with a time to live: Map keeps insertion order, so re-inserting on a hit moves the key to the end. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Fixed windows per key (forward-to-a-friend per message and per client address, bad tokens per address). */
export class WindowCounter {
  private readonly windows: BoundedCache<{ used: number; ends: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    maxKeys = 100_000,
  ) {
    this.windows = new BoundedCache(maxKeys, windowMs);
  }

  private current(key: string, now: number): { used: number; ends: number } | undefined {
    const window = this.windows.get(key, now);
    return window && window.ends > now ? window : undefined;
  }

  /** Whether the key has used up its window, without counting a hit. */
  exhausted(key: string, now = Date.now()): boolean {
    return (this.current(key, now)?.used ?? 0) >= this.limit;
  }

  /** Counts the hit; false when the key is over its limit. */
  take(key: string, now = Date.now()): boolean {
    const window = this.current(key, now) ?? { used: 0, ends: now + this.windowMs };
    if (window.used >= this.limit) return false;
    window.used += 1;
    this.windows.set(key, window, now);
    return true;
  }

  /** Whole seconds until the key's window ends (at least 1): the Retry-After of a 429. */
  retryAfterSeconds(key: string, now = Date.now()): number {
    return Math.max(1, Math.ceil(((this.current(key, now)?.ends ?? now) - now) / 1000));
  }
}
