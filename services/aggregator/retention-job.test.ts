import { oldestKeptMonth } from './retention-job';

describe('oldestKeptMonth', () => {
  it('counts the current month and wraps across years', () => {
    expect(oldestKeptMonth(new Date(Date.UTC(2026, 10, 23)), 1)).toBe(202611);
    expect(oldestKeptMonth(new Date(Date.UTC(2026, 0, 1)), 2)).toBe(202512);
    expect(oldestKeptMonth(new Date(Date.UTC(2026, 0, 31)), 13)).toBe(202501);
    expect(oldestKeptMonth(new Date(Date.UTC(2026, 11, 31, 23, 59)), 25)).toBe(202412);
  });
});
