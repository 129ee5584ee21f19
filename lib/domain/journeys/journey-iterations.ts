import { DateTime } from 'luxon';
import type { JourneySettings } from './journey-graph';

const DAY_MS = 86_400_000;

/**
 * Start of iteration k: k·interval calendar days after the start in the journey's zone (23- or 25-hour days across
 * DST), docs/scheduler.md#recurring-journeys. The journey engine and the API's iteration list both use it.
 */
export function iterationStart(startAt: number, zone: string, intervalDays: number, k: number): number {
  return DateTime.fromMillis(startAt, { zone })
    .plus({ days: intervalDays * k })
    .toMillis();
}

/**
 * The iteration whose window holds `at` (at ≥ startAt): iterationStart(k) ≤ at < iterationStart(k + 1). Not capped
 * by the count or the end date; the caller does that.
 */
export function iterationAt(startAt: number, zone: string, intervalDays: number, at: number): number {
  // A first guess in 24-hour days, then moved to the calendar boundaries (DST shifts them by an hour).
  let k = Math.max(0, Math.floor((at - startAt) / (intervalDays * DAY_MS)));
  while (k > 0 && iterationStart(startAt, zone, intervalDays, k) > at) k--;
  while (iterationStart(startAt, zone, intervalDays, k + 1) <= at) k++;
  return k;
}

export interface IterationWindow {
  iteration: number;
  startsAt: number;
  endsAt: number;
}

/**
 * The iterations of a journey that have started by `until`, oldest first (docs/scheduler.md#recurring-journeys):
 * k from 0 to the one holding `until`, capped by `count` and `end_at`; iteration k ends at iterationStart(k + 1) or
 * at `end_at`, whichever is first. A journey that does not recur has one iteration 0 from `start_at` to `end_at`.
 */
export function startedIterations(
  settings: Pick<JourneySettings, 'start_at' | 'end_at' | 'time_zone' | 'recurring'> | null | undefined,
  until: number,
): IterationWindow[] {
  const startAt = Date.parse(settings?.start_at ?? '');
  const endAt = Date.parse(settings?.end_at ?? '');
  if (Number.isNaN(startAt) || Number.isNaN(endAt) || until < startAt || endAt <= startAt) return [];
  const recurring = settings?.recurring;
  if (!recurring) return [{ iteration: 0, startsAt: startAt, endsAt: endAt }];
  const zone = settings?.time_zone || 'UTC';
  const last = Math.min(iterationAt(startAt, zone, recurring.interval_days, until), recurring.count - 1);
  const windows: IterationWindow[] = [];
  for (let k = 0; k <= last; k++) {
    const startsAt = iterationStart(startAt, zone, recurring.interval_days, k);
    if (startsAt >= endAt) break;
    const next = iterationStart(startAt, zone, recurring.interval_days, k + 1);
    windows.push({ iteration: k, startsAt, endsAt: Math.min(next, endAt) });
  }
  return windows;
}
