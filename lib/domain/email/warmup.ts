import { randomInt } from 'node:crypto';

/**
 * Warm-up schedules of sending domains (docs/sender.md#warm-up): daily caps that grow, the first on the day the
 * schedule started (UTC), past the last no limit.
 */

const DAY_MS = 86_400_000;

/** Longest schedule, and the largest cap of a day (docs/api.md#sending-domains). */
export const WARMUP_MAX_DAYS = 60;
export const WARMUP_MAX_CAP = 10_000_000;

/** The UTC date of a moment, as PostgreSQL's date prints it (YYYY-MM-DD). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The day of the schedule on `today` (1: the start day), both UTC dates YYYY-MM-DD. */
export const warmupDay = (startedOn: string, today: string): number =>
  Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${startedOn}T00:00:00Z`)) / DAY_MS) + 1;

/** The cap of `today`, or null when there is none: no schedule, or past its last day (the warm-up is done). */
export function warmupCap(caps: readonly number[] | null, startedOn: string | null, today: string): number | null {
  if (!caps || !startedOn) return null;
  const day = warmupDay(startedOn, today);
  // before the start (a clock behind the one that set it): the first day's cap, never none
  return day > caps.length ? null : (caps[Math.max(day, 1) - 1] ?? null);
}

/** Why a schedule is refused, or null: 1–60 whole caps of 1..10,000,000, none smaller than the day before. */
export function warmupProblem(caps: readonly number[]): string | null {
  if (caps.length < 1 || caps.length > WARMUP_MAX_DAYS) return `1 to ${WARMUP_MAX_DAYS} daily caps`;
  for (const [i, cap] of caps.entries()) {
    if (!Number.isInteger(cap) || cap < 1 || cap > WARMUP_MAX_CAP)
      return `caps[${i}]: a whole number of messages from 1 to ${WARMUP_MAX_CAP}`;
    if (i > 0 && cap < (caps[i - 1] ?? 0)) return `caps[${i}]: caps never decrease from one day to the next`;
  }
  return null;
}

/** How long until the next UTC midnight, plus up to `jitterMs` so a day's backlog does not start at one instant. */
export function untilNextUtcDay(now: Date, jitterMs: number): number {
  const midnight = Date.parse(`${utcDay(now)}T00:00:00Z`) + DAY_MS;
  return midnight - now.getTime() + (jitterMs > 0 ? randomInt(jitterMs) : 0);
}
