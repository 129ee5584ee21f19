import { DateTime } from 'luxon';
import type { EntryPacing, JourneyIssue } from './journey-graph';

// Entry pacing (docs/scheduler.md#entry-pacing): a journey admits at most `max_contacts` contacts per hour or per
// day of the workspace's time zone, optionally only on chosen weekdays. The API checks the setting at go-live and
// the scheduler counts admissions per period with these rules.

/** The pacing period `now` falls in: when it started (epoch ms) and whether contacts may be admitted in it. */
export interface PacingPeriod {
  start: number;
  open: boolean;
}

/**
 * The calendar hour or day of `zone` holding `now`. An hour repeated by a DST change is two periods (two
 * instants), and a day is 23 or 25 hours long around one, as the wall clock has it.
 */
export function pacingPeriod(pacing: EntryPacing, now: number, zone: string): PacingPeriod {
  const local = DateTime.fromMillis(now, { zone });
  const weekdays = pacing.weekdays ?? [];
  return {
    start: local.startOf(pacing.per).toMillis(),
    open: weekdays.length === 0 || weekdays.includes(local.weekday),
  };
}

/**
 * How many contacts may still be admitted in `period`, given the stored count of the period it belongs to:
 * a count stored for an earlier period does not count against this one, and a count stored for a later one closes
 * this one (a replica whose tick read the clock before another's, or whose clock lags, never reopens a period).
 */
export function pacingRoom(
  pacing: EntryPacing,
  period: PacingPeriod,
  stored: { periodStart: number | null; admitted: number },
): number {
  if (!period.open || (stored.periodStart !== null && stored.periodStart > period.start)) return 0;
  const used = stored.periodStart === period.start ? stored.admitted : 0;
  return Math.max(0, pacing.max_contacts - used);
}

const isInteger = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** The go-live check of `settings.entry_pacing` (the route schema checks the same shape on the way in). */
export function entryPacingIssues(pacing: EntryPacing | null | undefined): JourneyIssue[] {
  if (pacing === null || pacing === undefined) return [];
  const issues: JourneyIssue[] = [];
  if (!isInteger(pacing.max_contacts, 1, 1_000_000))
    issues.push({
      field: 'settings.entry_pacing.max_contacts',
      message: 'max_contacts must be a whole number from 1 to 1,000,000',
    });
  if (pacing.per !== 'hour' && pacing.per !== 'day')
    issues.push({ field: 'settings.entry_pacing.per', message: 'per must be "hour" or "day"' });
  const weekdays = pacing.weekdays;
  if (
    weekdays !== undefined &&
    weekdays !== null &&
    (!Array.isArray(weekdays) ||
      weekdays.length === 0 ||
      !weekdays.every((d) => isInteger(d, 1, 7)) ||
      new Set(weekdays).size !== weekdays.length)
  )
    issues.push({
      field: 'settings.entry_pacing.weekdays',
      message: 'weekdays must be distinct ISO weekdays, 1 (Monday) to 7 (Sunday), at least one',
    });
  return issues;
}
