import { capAllows, capRulesOf } from './frequency-cap';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 11, 7, 12);

describe('frequency cap rules', () => {
  const rules = [
    { max_sends: 2, window_hours: 24 },
    { max_sends: 3, window_hours: 168 },
  ];

  it('allows a send while every rolling window has a slot left', () => {
    expect(capAllows([], rules, now)).toBe(true);
    expect(capAllows([now - 2 * HOUR], rules, now)).toBe(true);
    expect(capAllows([now - 2 * HOUR, now - HOUR], rules, now)).toBe(false);
    // the day's send fell out of the 24 h window, the week still has a slot
    expect(capAllows([now - 25 * HOUR, now - HOUR], rules, now)).toBe(true);
    // the week is full though the day is not
    expect(capAllows([now - 100 * HOUR, now - 50 * HOUR, now - HOUR], rules, now)).toBe(false);
    expect(capAllows([now - 169 * HOUR, now - 50 * HOUR, now - HOUR], rules, now)).toBe(true);
  });

  it('caps nothing without rules, and reads only well-formed rules from the column', () => {
    expect(capAllows([now, now, now], [], now)).toBe(true);
    expect(capRulesOf(null)).toEqual([]);
    expect(capRulesOf([{ max_sends: 1, window_hours: 24 }, { max_sends: 'x' }, 3])).toEqual([
      { max_sends: 1, window_hours: 24 },
    ]);
  });
});
