import { AdaptiveRate, DEFAULT_THROTTLE, type ThrottleSettings } from './adaptive-rate';

function rateWith(settings: Partial<ThrottleSettings> = {}) {
  const clock = { now: 1_000_000 };
  const rate = new AdaptiveRate({ ...DEFAULT_THROTTLE, configuredPerSecond: 0, ...settings }, () => clock.now);
  return { rate, clock };
}

describe('AdaptiveRate', () => {
  it('halves from the ceiling on the first signal and counts one burst once', () => {
    const { rate, clock } = rateWith();
    expect(rate.perSecond()).toBe(0); // unlimited until throttled
    expect(rate.signal('slow')).toBe(true);
    expect(rate.perSecond()).toBe(50);
    clock.now += 1_000;
    expect(rate.signal('slow')).toBe(false); // within the hold
    expect(rate.perSecond()).toBe(50);
    clock.now += 5_000;
    expect(rate.signal('slow')).toBe(true);
    expect(rate.perSecond()).toBe(25);
    expect(rate.signals).toBe(3);
  });

  it('starts from the configured rate and never goes below the floor', () => {
    const { rate, clock } = rateWith({ configuredPerSecond: 4 });
    for (let i = 0; i < 10; i++) {
      rate.signal('slow');
      clock.now += 5_000;
    }
    expect(rate.perSecond()).toBeCloseTo(0.1);
  });

  it('recovers step by step after a quiet period back to the configured rate', () => {
    const { rate, clock } = rateWith({ configuredPerSecond: 10, recoveryStepMs: 60_000, recoveryFactor: 2 });
    rate.signal('slow');
    clock.now += 5_000;
    rate.signal('slow');
    expect(rate.perSecond()).toBe(2.5);
    clock.now += 59_999;
    expect(rate.perSecond()).toBe(2.5);
    clock.now += 1;
    expect(rate.perSecond()).toBe(5);
    clock.now += 30_000;
    rate.signal(null); // nothing said: no effect
    expect(rate.settled()).toBe(false);
    clock.now += 30_000;
    expect(rate.perSecond()).toBe(10);
    expect(rate.settled()).toBe(true);
  });

  it('a signal during recovery restarts the quiet period', () => {
    const { rate, clock } = rateWith({ configuredPerSecond: 8, recoveryStepMs: 10_000, recoveryFactor: 2, holdMs: 0 });
    rate.signal('slow'); // 4
    clock.now += 10_000; // 8: back to configured
    expect(rate.settled()).toBe(true);
    rate.signal('slow'); // 4
    clock.now += 9_000;
    rate.signal('slow'); // 2
    clock.now += 9_000;
    expect(rate.perSecond()).toBe(2);
  });

  it('pauses a refused session for pauseMs and slows it too', () => {
    const { rate, clock } = rateWith({ pauseMs: 30_000 });
    rate.signal('pause');
    expect(rate.pausedFor()).toBe(30_000);
    expect(rate.perSecond()).toBe(50);
    clock.now += 30_000;
    expect(rate.pausedFor()).toBe(0);
  });
});
