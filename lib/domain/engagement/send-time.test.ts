import { DateTime } from 'luxon';
import { chooseSendTime, rankedHours, sendTimeIssues, sendTimeOf } from './send-time';

const OSLO = 'Europe/Oslo';
const local = (iso: string): number => DateTime.fromISO(iso, { zone: OSLO }).toMillis();
const never = () => false;

describe('send-time optimisation', () => {
  it('ranks local hours by engagements, in the contact zone across DST; ties go to the earlier hour', () => {
    // 14:00 UTC is 15:00 in Oslo in winter (UTC+1) and 16:00 in summer (UTC+2)
    const slots = [
      { at: Date.UTC(2026, 1, 2, 14, 0), events: 2 },
      { at: Date.UTC(2026, 5, 2, 13, 15), events: 1 },
      { at: Date.UTC(2026, 5, 3, 7, 0), events: 1 },
    ];
    expect(rankedHours(slots, OSLO)).toEqual([15, 9]);
    expect(rankedHours(slots, 'UTC')).toEqual([14, 7, 13]);
    expect(rankedHours(slots, 'Not/AZone')).toEqual([]);
  });

  it('holds until the best hour within the maximum delay, skipping quiet hours; now when it is that hour already', () => {
    const now = local('2026-03-04T09:20:00');
    const opts = { maxDelayMs: 24 * 3_600_000, offsetMs: 60_000, quiet: never };
    expect(chooseSendTime(now, OSLO, [15], opts)).toEqual({ sendAt: local('2026-03-04T15:01:00'), hour: 15 });
    expect(chooseSendTime(now, OSLO, [9, 15], opts)).toEqual({ sendAt: now, hour: 9 });
    // 08:00 has passed today: tomorrow's, 22 h 41 min away, fits 24 h but not 6 h, where 15:00 does
    expect(chooseSendTime(now, OSLO, [8, 15], opts)?.sendAt).toBe(local('2026-03-05T08:01:00'));
    expect(chooseSendTime(now, OSLO, [8, 15], { ...opts, maxDelayMs: 6 * 3_600_000 })?.hour).toBe(15);
    expect(chooseSendTime(now, OSLO, [8], { ...opts, maxDelayMs: 6 * 3_600_000 })).toBeNull();
    // 22:00 inside quiet hours 21:00–08:00: the next best hour
    const quiet = (at: number) => DateTime.fromMillis(at, { zone: OSLO }).hour >= 21;
    expect(chooseSendTime(now, OSLO, [22, 18], { ...opts, quiet })?.hour).toBe(18);
    expect(chooseSendTime(now, OSLO, [22], { ...opts, quiet })).toBeNull();
  });

  it('keeps the wall hour across the spring DST change', () => {
    // Saturday 28 March 2026 16:00 in Oslo (UTC+1); Sunday's 15:00, after the change, is UTC+2
    const sendAt = chooseSendTime(local('2026-03-28T16:00:00'), OSLO, [15], {
      maxDelayMs: 48 * 3_600_000,
      offsetMs: 0,
      quiet: never,
    })?.sendAt;
    expect(sendAt).toBe(Date.UTC(2026, 2, 29, 13, 0));
  });

  it('checks the setting, naming the field', () => {
    expect(sendTimeIssues(undefined)).toEqual([]);
    expect(sendTimeIssues({ mode: 'optimised', max_delay_hours: 24, fallback_hour: 9 })).toEqual([]);
    for (const bad of [0, 169, 2.5, '24', null])
      expect(sendTimeIssues({ mode: 'optimised', max_delay_hours: bad }).map((i) => i.field)).toEqual([
        'send_time.max_delay_hours',
      ]);
    expect(sendTimeIssues({ mode: 'fixed', max_delay_hours: 3, fallback_hour: 24, x: 1 }).map((i) => i.field)).toEqual([
      'send_time.x',
      'send_time.mode',
      'send_time.fallback_hour',
    ]);
    expect(sendTimeIssues('soon')).toEqual([{ field: 'send_time', message: expect.any(String) }]);
    expect(sendTimeOf({ send_time: { mode: 'optimised', max_delay_hours: 2 } })).toEqual({
      maxDelayMs: 7_200_000,
      fallbackHour: null,
    });
    expect(sendTimeOf({ send_time: { mode: 'optimised', max_delay_hours: 0 } })).toBeNull();
    expect(sendTimeOf({})).toBeNull();
  });
});
