import { entryPacingIssues, pacingPeriod, pacingRoom } from './entry-pacing';
import type { EntryPacing } from './journey-graph';

const at = (iso: string) => Date.parse(iso);
const startOf = (pacing: EntryPacing, iso: string, zone: string) =>
  new Date(pacingPeriod(pacing, at(iso), zone).start).toISOString();

describe('entry pacing periods (docs/scheduler.md#entry-pacing)', () => {
  const hourly: EntryPacing = { max_contacts: 10, per: 'hour' };
  const daily: EntryPacing = { max_contacts: 10, per: 'day' };

  it('a period is the calendar hour or day of the time zone', () => {
    // 10:30 in New York on Monday 7 December 2026
    expect(startOf(hourly, '2026-12-07T15:30:00Z', 'America/New_York')).toBe('2026-12-07T15:00:00.000Z');
    expect(startOf(daily, '2026-12-07T15:30:00Z', 'America/New_York')).toBe('2026-12-07T05:00:00.000Z');
    // half-hour zones: the hour starts at :30 UTC
    expect(startOf(hourly, '2026-12-07T15:10:00Z', 'Asia/Kolkata')).toBe('2026-12-07T14:30:00.000Z');
    // 03:00 UTC on Monday is still Sunday in New York
    expect(startOf(daily, '2026-12-07T03:00:00Z', 'America/New_York')).toBe('2026-12-06T05:00:00.000Z');
  });

  it('across the end of summer time the repeated hour is two periods and the day lasts 25 hours', () => {
    // 1 November 2026, New York: 01:00–02:00 happens twice (EDT, then EST)
    const first = startOf(hourly, '2026-11-01T05:30:00Z', 'America/New_York');
    const second = startOf(hourly, '2026-11-01T06:30:00Z', 'America/New_York');
    expect([first, second]).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z']);
    expect(startOf(daily, '2026-11-01T12:00:00Z', 'America/New_York')).toBe('2026-11-01T04:00:00.000Z');
    expect(startOf(daily, '2026-11-02T12:00:00Z', 'America/New_York')).toBe('2026-11-02T05:00:00.000Z');
  });

  it('a period is open only on the chosen weekdays of the time zone', () => {
    const weekdays: EntryPacing = { ...hourly, weekdays: [1, 2, 3, 4, 5] };
    // Monday 15:30 UTC: Monday in New York (open)
    expect(pacingPeriod(weekdays, at('2026-12-07T15:30:00Z'), 'America/New_York').open).toBe(true);
    // Monday 03:00 UTC: Sunday evening in New York (closed), Monday in Tokyo (open)
    expect(pacingPeriod(weekdays, at('2026-12-07T03:00:00Z'), 'America/New_York').open).toBe(false);
    expect(pacingPeriod(weekdays, at('2026-12-07T03:00:00Z'), 'Asia/Tokyo').open).toBe(true);
    expect(pacingPeriod({ ...hourly, weekdays: null }, at('2026-12-06T12:00:00Z'), 'UTC').open).toBe(true);
  });

  it('the room left counts only admissions of the same period, and a later period closes earlier ones', () => {
    const period = pacingPeriod(hourly, at('2026-12-07T15:30:00Z'), 'UTC');
    expect(pacingRoom(hourly, period, { periodStart: null, admitted: 0 })).toBe(10);
    expect(pacingRoom(hourly, period, { periodStart: period.start, admitted: 7 })).toBe(3);
    expect(pacingRoom(hourly, period, { periodStart: period.start, admitted: 10 })).toBe(0);
    expect(pacingRoom(hourly, period, { periodStart: period.start - 3_600_000, admitted: 10 })).toBe(10);
    expect(pacingRoom(hourly, { ...period, open: false }, { periodStart: null, admitted: 0 })).toBe(0);
    // a later period already counted: an admission with an older clock reading gets nothing
    expect(pacingRoom(hourly, period, { periodStart: period.start + 3_600_000, admitted: 0 })).toBe(0);
  });

  it('the go-live check names each field it refuses', () => {
    expect(entryPacingIssues(undefined)).toEqual([]);
    expect(entryPacingIssues({ max_contacts: 500, per: 'day', weekdays: [1, 7] })).toEqual([]);
    const fields = (pacing: unknown) =>
      entryPacingIssues(pacing as EntryPacing).map((issue) => issue.field.replace('settings.entry_pacing.', ''));
    expect(fields({ max_contacts: 0, per: 'week' })).toEqual(['max_contacts', 'per']);
    expect(fields({ max_contacts: 2.5, per: 'hour' })).toEqual(['max_contacts']);
    expect(fields({ max_contacts: 1, per: 'hour', weekdays: [] })).toEqual(['weekdays']);
    expect(fields({ max_contacts: 1, per: 'hour', weekdays: [1, 1] })).toEqual(['weekdays']);
    expect(fields({ max_contacts: 1, per: 'hour', weekdays: [0, 8] })).toEqual(['weekdays']);
  });
});
