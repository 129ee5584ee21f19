import { AdaptiveRate, DEFAULT_THROTTLE, type ThrottleSettings } from './adaptive-rate';
import type { SmtpOutcome } from './mail-types';
import { ProviderResolver } from './provider-groups';
import { throttleSignal, type ThrottleSignal } from './throttle-signal';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Messages per second (read at each take, so it may change), refilled continuously, with a burst of a tenth of a
 * second's worth (at least one). Takers are served one at a time in order: a slow key wakes one waiter per token.
 */
class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: () => number) {
    this.tokens = Math.max(1, perSecond() / 10);
  }

  take(): Promise<void> {
    const mine = this.turn.then(() => this.takeOne());
    this.turn = mine;
    return mine;
  }

  private async takeOne(): Promise<void> {
    for (;;) {
      const rate = this.perSecond();
      if (rate <= 0) return;
      const now = Date.now();
      this.tokens = Math.min(Math.max(1, rate / 10), this.tokens + ((now - this.refilledAt) / 1000) * rate);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / rate) * 1000));
    }
  }
}

/** One throttle key: a provider group or a destination domain (docs/sender.md#throttling). */
interface KeyState {
  rate: AdaptiveRate;
  bucket: TokenBucket;
  /** messages waiting for this key's pace or a connection slot */
  waiting: number;
  /** of those, the ones waiting for the key's pace: the queue a new message would join */
  pacing: number;
}

/** No slot: the key's pace would hold the message longer than the caller's bound; try again after deferMs. */
export interface Deferred {
  deferMs: number;
}

/** a deferral is never longer than this: the pace is looked at again by then */
const MAX_DEFER_MS = 15 * 60_000;

/** What /metrics shows per throttle key. */
export interface KeyView {
  key: string;
  /** messages per second now; 0: unlimited */
  perSecond: number;
  waiting: number;
  signals: number;
}

export interface ThrottleOptions {
  settings?: Partial<Omit<ThrottleSettings, 'configuredPerSecond'>>;
  resolver?: ProviderResolver;
  /** called once per signal, with its key (the /metrics counter) */
  onSignal?: (key: string, signal: Exclude<ThrottleSignal, null>) => void;
}

/**
 * Concurrency per destination domain and in total, a rate in total, and per throttle key (a provider group or the
 * domain) a rate that backs off on throttling replies and recovers slowly, plus a pause after a refused session.
 * acquire() waits for the key's pace first, holding nothing, then for the slots and the total rate; the returned
 * function releases the slots. Slot waiters are served first come first served, skipping those whose domain is full.
 */
export class DomainLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting: { domain: string; wake: () => void }[] = [];
  private total = 0;
  private readonly totalRate: TokenBucket;
  private readonly keys = new Map<string, KeyState>();
  private readonly settings: ThrottleSettings;
  private readonly resolver: ProviderResolver;

  constructor(
    private readonly perDomain: number,
    private readonly maxTotal: number,
    ratePerSecond: number,
    domainRatePerSecond = 0,
    private readonly throttle: ThrottleOptions = {},
  ) {
    this.totalRate = new TokenBucket(() => ratePerSecond);
    this.settings = { ...DEFAULT_THROTTLE, ...throttle.settings, configuredPerSecond: domainRatePerSecond };
    this.resolver = throttle.resolver ?? new ProviderResolver({ timeoutMs: 0, ttlMs: 0 });
  }

  private readonly queued = new Map<string, number>();

  /** queued messages per domain (the /metrics gauge) */
  depths(): Map<string, number> {
    return new Map(this.queued);
  }

  /** every key with state: its rate now, messages waiting and signals so far */
  keyViews(): KeyView[] {
    return [...this.keys].map(([key, s]) => ({
      key,
      perSecond: s.rate.perSecond(),
      waiting: s.waiting,
      signals: s.rate.signals,
    }));
  }

  /** the key's current rate in messages per second (0: unlimited), for tests and logs */
  rateOf(domain: string): number {
    return this.keys.get(this.resolver.cached(domain))?.rate.perSecond() ?? this.settings.configuredPerSecond;
  }

  /** Feeds one SMTP outcome to its domain's key; returns the signal it carried. */
  observe(domain: string, outcome: SmtpOutcome): ThrottleSignal {
    const signal = throttleSignal(outcome);
    if (!signal) return null;
    const key = this.resolver.cached(domain);
    this.stateOf(key).rate.signal(signal);
    this.throttle.onSignal?.(key, signal);
    return signal;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      // NOTE: keys are bounded: past 10,000, the settled idle ones (nothing to remember) are dropped
      if (this.keys.size >= 10_000)
        for (const [k, s] of this.keys) if (s.waiting === 0 && s.rate.settled()) this.keys.delete(k);
      const rate = new AdaptiveRate(this.settings);
      state = { rate, bucket: new TokenBucket(() => rate.perSecond()), waiting: 0, pacing: 0 };
      this.keys.set(key, state);
    }
    return state;
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

  /** how long a message to this key would wait for its pace now: the pause left, then one token per message ahead */
  private expectedWait(key: KeyState): number {
    const perSecond = key.rate.perSecond();
    return key.rate.pausedFor() + (perSecond > 0 ? (key.pacing / perSecond) * 1000 : 0);
  }

  acquire(domain: string): Promise<() => void>;
  /** a slot, or a Deferred when the key's pace would hold the message longer than maxWaitMs */
  acquire(domain: string, maxWaitMs: number): Promise<(() => void) | Deferred>;
  async acquire(domain: string, maxWaitMs = Infinity): Promise<(() => void) | Deferred> {
    const key = this.stateOf(await this.resolver.keyOf(domain));
    const wait = this.expectedWait(key);
    if (wait > maxWaitMs) return { deferMs: Math.min(Math.ceil(wait), MAX_DEFER_MS) };
    key.waiting++;
    try {
      key.pacing++;
      await this.paced(key).finally(() => key.pacing--);
      // a full domain never holds up another: only a waiter of the same domain goes first
      if (this.fits(domain) && !this.queued.has(domain)) this.take(domain);
      else {
        this.count(domain, 1);
        await new Promise<void>((wake) => this.waiting.push({ domain, wake }));
      }
    } finally {
      key.waiting--;
    }
    await this.totalRate.take();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(domain);
    };
  }

  /** The key's pause (after a refused session) and its adaptive rate; holds no slot meanwhile. */
  private async paced(key: KeyState): Promise<void> {
    for (let pause = key.rate.pausedFor(); pause > 0; pause = key.rate.pausedFor()) await sleep(pause);
    await key.bucket.take();
    for (let pause = key.rate.pausedFor(); pause > 0; pause = key.rate.pausedFor()) await sleep(pause);
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
}
