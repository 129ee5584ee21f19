import { untilNextUtcDay, utcDay, warmupCap, warmupDay, warmupProblem } from './warmup';

describe('warm-up schedules', () => {
  const caps = [50, 100, 200];

  it('gives the cap of the day from the start date, and none past the schedule', () => {
    expect(warmupDay('2026-12-07', '2026-12-07')).toBe(1);
    expect(warmupCap(caps, '2026-12-07', '2026-12-07')).toBe(50);
    expect(warmupCap(caps, '2026-12-07', '2026-12-08')).toBe(100);
    expect(warmupCap(caps, '2026-12-07', '2026-12-09')).toBe(200);
    expect(warmupCap(caps, '2026-12-07', '2026-12-10')).toBeNull();
    expect(warmupCap(caps, '2026-12-30', '2027-01-01')).toBe(200); // across a year
    expect(warmupCap(caps, '2026-12-07', '2026-12-06')).toBe(50); // a clock behind: the first cap
    expect(warmupCap(null, '2026-12-07', '2026-12-07')).toBeNull();
    expect(warmupCap(caps, null, '2026-12-07')).toBeNull();
  });

  it('refuses empty, too long, out-of-range, fractional and decreasing schedules', () => {
    expect(warmupProblem(caps)).toBeNull();
    expect(warmupProblem([5, 5])).toBeNull();
    expect(warmupProblem([])).toMatch(/1 to 60/);
    expect(warmupProblem(Array.from({ length: 61 }, () => 1))).toMatch(/1 to 60/);
    expect(warmupProblem([0])).toMatch(/caps\[0\]/);
    expect(warmupProblem([1, 10_000_001])).toMatch(/caps\[1\]/);
    expect(warmupProblem([1.5])).toMatch(/caps\[0\]/);
    expect(warmupProblem([10, 9])).toMatch(/caps\[1\]: caps never decrease/);
  });

  it('waits until the next UTC midnight, plus jitter', () => {
    const now = new Date('2026-12-07T23:00:00Z');
    expect(utcDay(now)).toBe('2026-12-07');
    expect(untilNextUtcDay(now, 0)).toBe(3_600_000);
    const jittered = untilNextUtcDay(now, 60_000);
    expect(jittered).toBeGreaterThanOrEqual(3_600_000);
    expect(jittered).toBeLessThan(3_660_000);
  });
});
