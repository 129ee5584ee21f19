import { DateTime } from 'luxon';
import { isKnownTimeZone, nextLocalHour } from './best-time';

/*
 * Send-time optimisation of an email tile (docs/scheduler.md#send-time-optimisation): each contact's message goes at
 * the local hour its opens and clicks have been highest, within the tile's maximum delay and never inside quiet
 * hours. The hour arithmetic is best-time.ts's (luxon, daylight-saving changes included).
 */

export const MAX_DELAY_HOURS = { min: 1, max: 168 } as const;
const HOUR_MS = 3_600_000;

/** An email tile's setting, as the error check let it through. */
export interface SendTimeSetting {
  maxDelayMs: number;
  /** a local hour (0–23) for contacts without a history of their own, before the workspace's best hour */
  fallbackHour: number | null;
}

const isHour = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 23;
const isDelay = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= MAX_DELAY_HOURS.min && v <= MAX_DELAY_HOURS.max;

/** The problems of a tile's `send_time` (undefined: none set), each naming its field under `send_time`. */
export function sendTimeIssues(value: unknown): { field: string; message: string }[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value))
    return [{ field: 'send_time', message: 'an object {mode, max_delay_hours, fallback_hour?}' }];
  const issues: { field: string; message: string }[] = [];
  const known = new Set(['mode', 'max_delay_hours', 'fallback_hour']);
  const v: Record<string, unknown> = Object.fromEntries(Object.entries(value));
  for (const key of Object.keys(v))
    if (!known.has(key)) issues.push({ field: `send_time.${key}`, message: 'not a send_time setting' });
  if (v.mode !== 'optimised') issues.push({ field: 'send_time.mode', message: "must be 'optimised'" });
  if (!isDelay(v.max_delay_hours))
    issues.push({
      field: 'send_time.max_delay_hours',
      message: `a whole number of hours from ${MAX_DELAY_HOURS.min} to ${MAX_DELAY_HOURS.max}`,
    });
  if (v.fallback_hour !== undefined && !isHour(v.fallback_hour))
    issues.push({ field: 'send_time.fallback_hour', message: 'a whole hour from 0 to 23' });
  return issues;
}

/** The tile's setting, or null when it has none (or one the error check would refuse). */
export function sendTimeOf(config: Record<string, unknown> | undefined): SendTimeSetting | null {
  const value = config?.send_time;
  if (typeof value !== 'object' || value === null || sendTimeIssues(value).length > 0) return null;
  const v: Record<string, unknown> = Object.fromEntries(Object.entries(value));
  return {
    maxDelayMs: Number(v.max_delay_hours) * HOUR_MS,
    fallbackHour: isHour(v.fallback_hour) ? v.fallback_hour : null,
  };
}

/** Human opens and clicks starting in one slot of time (epoch ms), as ClickHouse counts them. */
export interface EngagementSlot {
  at: number;
  events: number;
}

/** Local hours of `zone` best first: most engagements; a tie goes to the earlier hour. Empty without history. */
export function rankedHours(slots: readonly EngagementSlot[], zone: string): number[] {
  if (!isKnownTimeZone(zone)) return [];
  const counts = new Map<number, number>();
  for (const s of slots) {
    const hour = DateTime.fromMillis(s.at, { zone }).hour;
    counts.set(hour, (counts.get(hour) ?? 0) + s.events);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([hour]) => hour);
}

export interface SendTimeChoice {
  /** when to send (epoch ms); `now` itself when the contact's hour is the current one */
  sendAt: number;
  hour: number;
}

/**
 * The first of `hours` (best first) whose next start in `zone` is within `maxDelayMs` of `now` and not inside quiet
 * hours: now, when it is that hour already, else `hour`:00 plus the contact's `offsetMs` (a stable spread, so a
 * list's best hour is no spike). Null when none is: the contact is then sent now.
 */
export function chooseSendTime(
  now: number,
  zone: string,
  hours: readonly number[],
  options: { maxDelayMs: number; offsetMs: number; quiet: (at: number) => boolean },
): SendTimeChoice | null {
  if (!isKnownTimeZone(zone)) return null;
  const local = DateTime.fromMillis(now, { zone });
  for (const hour of hours) {
    const sendAt = local.hour === hour ? now : nextLocalHour(local, hour).toMillis() + options.offsetMs;
    if (sendAt - now <= options.maxDelayMs && !options.quiet(sendAt)) return { sendAt, hour };
  }
  return null;
}
