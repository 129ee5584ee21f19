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

/** Fixed one-hour windows per key (forward-to-a-friend per message and per client address). */
export class WindowCounter {
  private readonly counts: BoundedCache<number>;

  constructor(
    private readonly limit: number,
    windowMs: number,
    maxKeys = 100_000,
  ) {
    this.counts = new BoundedCache<number>(maxKeys, windowMs);
  }

  /** Whether the key has used up its window, without counting a hit. */
  exhausted(key: string, now = Date.now()): boolean {
    return (this.counts.get(key, now) ?? 0) >= this.limit;
  }

  /** Counts the hit; false when the key is over its limit. */
  take(key: string, now = Date.now()): boolean {
    const used = this.counts.get(key, now) ?? 0;
    if (used >= this.limit) return false;
    this.counts.set(key, used + 1, now);
    return true;
  }
}
