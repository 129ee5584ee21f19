import { quietReleaseAt, quietUntil, quietWindowOf, spreadOffset, type QuietWindow } from './quiet-hours';

const OSLO = 'Europe/Oslo';
const at = (iso: string): number => Date.parse(iso);
const night = quietWindowOf({ start: '21:00', end: '08:00', spread_minutes: 30 }) as QuietWindow;

describe('quiet hours window arithmetic', () => {
  it('holds from the start to the end of an overnight window, local time, end exclusive', () => {
    // December: Oslo is UTC+1
    expect(quietUntil(at('2026-12-07T22:00:00Z'), OSLO, night)).toBe(at('2026-12-08T07:00:00Z')); // 23:00
    expect(quietUntil(at('2026-12-07T20:00:00Z'), OSLO, night)).toBe(at('2026-12-08T07:00:00Z')); // 21:00
    expect(quietUntil(at('2026-12-08T06:59:00Z'), OSLO, night)).toBe(at('2026-12-08T07:00:00Z')); // 07:59
    expect(quietUntil(at('2026-12-08T07:00:00Z'), OSLO, night)).toBeNull(); // 08:00
    expect(quietUntil(at('2026-12-07T19:59:00Z'), OSLO, night)).toBeNull(); // 20:59
  });

  it('releases at 08:00 local across both DST changes (a 23 h and a 25 h night)', () => {
    // 23:00 CET on 28 March 2026; clocks go forward that night: 08:00 CEST is 06:00Z
    expect(quietUntil(at('2026-03-28T22:00:00Z'), OSLO, night)).toBe(at('2026-03-29T06:00:00Z'));
    // 23:00 CEST on 24 October 2026; clocks go back that night: 08:00 CET is 07:00Z
    expect(quietUntil(at('2026-10-24T21:00:00Z'), OSLO, night)).toBe(at('2026-10-25T07:00:00Z'));
  });

  it('reads the time in the zone given', () => {
    // 22:00Z is 07:00 in Tokyo (held until 08:00 there) and 17:00 in New York (not held)
    expect(quietUntil(at('2026-12-07T22:00:00Z'), 'Asia/Tokyo', night)).toBe(at('2026-12-07T23:00:00Z'));
    expect(quietUntil(at('2026-12-07T22:00:00Z'), 'America/New_York', night)).toBeNull();
  });

  it('handles a window within one day', () => {
    const lunch = quietWindowOf({ start: '12:00', end: '13:30' }) as QuietWindow;
    expect(quietUntil(at('2026-12-07T11:15:00Z'), OSLO, lunch)).toBe(at('2026-12-07T12:30:00Z'));
    expect(quietUntil(at('2026-12-07T12:30:00Z'), OSLO, lunch)).toBeNull();
    expect(quietUntil(at('2026-12-07T10:59:00Z'), OSLO, lunch)).toBeNull();
  });

  it('spreads releases by a stable per-contact offset within the spread', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const offsets = ids.map((id) => spreadOffset(id, 30));
    expect(offsets.every((o) => o >= 0 && o < 30 * 60_000 && o % 1000 === 0)).toBe(true);
    expect(ids.map((id) => spreadOffset(id, 30))).toEqual(offsets);
    // spread, not one spike: no minute of the 30 takes more than a fifth of the contacts
    const perMinute = new Map<number, number>();
    for (const o of offsets) perMinute.set(Math.floor(o / 60_000), (perMinute.get(Math.floor(o / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThan(40);
    expect(spreadOffset(ids[0] ?? '', 0)).toBe(0);
    const release = quietReleaseAt(at('2026-12-07T22:00:00Z'), OSLO, night, ids[0] ?? '');
    expect(release).toBe(at('2026-12-08T07:00:00Z') + (offsets[0] ?? -1));
  });

  it('reads only a well-formed window from settings; null and start = end are no window', () => {
    expect(quietWindowOf(null)).toBeNull();
    expect(quietWindowOf({ start: '21:00', end: '21:00' })).toBeNull();
    expect(quietWindowOf({ start: '25:00', end: '08:00' })).toBeNull();
    expect(quietWindowOf({ start: '21:00' })).toBeNull();
    expect(quietWindowOf({ start: '21:30', end: '07:15' })).toEqual({ start: 1290, end: 435, spreadMinutes: 10 });
  });
});
