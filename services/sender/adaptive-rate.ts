import type { ThrottleSignal } from './throttle-signal';

/** How a key's rate backs off and recovers (docs/sender.md#throttling); rates in messages per second. */
export interface ThrottleSettings {
  /** the rate an unthrottled key sends at; 0: unlimited until the first signal */
  configuredPerSecond: number;
  /** where the first decrease starts from when the configured rate is unlimited */
  ceilingPerSecond: number;
  /** never slower than this (one message per 10 s by default) */
  floorPerSecond: number;
  /** each decrease multiplies the rate by this (0 < factor < 1) */
  decreaseFactor: number;
  /** at most one decrease per this many ms: one burst of replies counts once */
  holdMs: number;
  /** after this long without a signal, and each time again, the rate grows by recoveryFactor */
  recoveryStepMs: number;
  /** > 1 */
  recoveryFactor: number;
  /** how long a key waits after a refused session (421 at the greeting) */
  pauseMs: number;
}

export const DEFAULT_THROTTLE: Omit<ThrottleSettings, 'configuredPerSecond'> = {
  ceilingPerSecond: 100,
  floorPerSecond: 0.1,
  decreaseFactor: 0.5,
  holdMs: 5_000,
  recoveryStepMs: 60_000,
  recoveryFactor: 1.25,
  pauseMs: 60_000,
};

/**
 * One key's adaptive rate, with an injected clock: multiplicative decrease on a signal (once per holdMs, never below
 * the floor), multiplicative recovery after each quiet step back up to the configured rate (unthrottled again).
 */
export class AdaptiveRate {
  /** null: unthrottled, the configured rate */
  private rate: number | null = null;
  private lastDecreaseAt = -Infinity;
  /** when the last signal or recovery step was: the next step is recoveryStepMs after it */
  private anchorAt = -Infinity;
  private pausedUntil = -Infinity;
  signals = 0;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** messages per second now; 0: unlimited */
  perSecond(): number {
    this.recover();
    return this.rate ?? this.settings.configuredPerSecond;
  }

  /** whether the key is back to its configured rate (nothing to remember) */
  settled(): boolean {
    this.recover();
    return this.rate === null && this.pausedFor() === 0;
  }

  /** ms the key must still wait after a refused session */
  pausedFor(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** Applies one signal; true when the rate went down (the first signal of a burst). */
  signal(signal: ThrottleSignal): boolean {
    if (!signal) return false;
    const now = this.now();
    this.signals++;
    this.anchorAt = now;
    if (signal === 'pause') this.pausedUntil = Math.max(this.pausedUntil, now + this.settings.pauseMs);
    if (now - this.lastDecreaseAt < this.settings.holdMs) return false;
    this.lastDecreaseAt = now;
    const { configuredPerSecond, ceilingPerSecond, floorPerSecond, decreaseFactor } = this.settings;
    const from = this.rate ?? (configuredPerSecond > 0 ? configuredPerSecond : ceilingPerSecond);
    this.rate = Math.max(floorPerSecond, from * decreaseFactor);
    return true;
  }

  private recover(): void {
    if (this.rate === null) return;
    const { recoveryStepMs, recoveryFactor, configuredPerSecond, ceilingPerSecond } = this.settings;
    const steps = Math.floor((this.now() - this.anchorAt) / recoveryStepMs);
    if (steps <= 0) return;
    this.anchorAt += steps * recoveryStepMs;
    this.rate *= recoveryFactor ** steps;
    const top = configuredPerSecond > 0 ? configuredPerSecond : ceilingPerSecond;
    if (this.rate >= top) this.rate = null;
  }
}
