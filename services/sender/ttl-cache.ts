/** Cached keys before the cache is emptied: far more than one sender meets in a TTL. */
const MAX_ENTRIES = 10_000;

/**
 * A promise per key for a short TTL, so no message waits on a query and a change reaches the sender within the TTL
 * (sending-domain-keys.ts, smtp-routes.ts). A load that fails is not remembered: the next caller asks again.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { expiresAt: number; value: Promise<T> }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const value = load();
    this.entries.set(key, { expiresAt: now + this.ttlMs, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
