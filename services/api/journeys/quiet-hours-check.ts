import type { JourneyIssue, QuietHours } from '../../../lib/domain/journeys/journey-graph';

const minuteOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/**
 * What the schema cannot say of quiet hours (docs/scheduler.md#quiet-hours): a window of some length, and a spread
 * shorter than the open hours, so a release never falls into the next window. `at`: the field's path.
 */
export function quietHoursIssue(quiet: QuietHours, at: string): JourneyIssue | null {
  const length = (minuteOf(quiet.end) - minuteOf(quiet.start) + 1440) % 1440;
  if (length === 0) return { field: `${at}.end`, message: 'the window must end at another time than it starts' };
  // the engine's default spread is 10 minutes (services/scheduler/quiet-hours.ts)
  if ((quiet.spread_minutes ?? 10) >= 1440 - length)
    return { field: `${at}.spread_minutes`, message: 'the spread must be shorter than the hours outside the window' };
  return null;
}
