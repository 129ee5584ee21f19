import { DateTime, IANAZone } from 'luxon';

/**
 * Best delivery time (docs/engagement.md#best-delivery-time-and-scheduled-sends), shared by the API's suggestion and the
 * scheduler's send-time optimisation (send-time.ts): working hours, 08:00 to 17:00
 * Monday to Friday in the recipient's time zone; outside them, the next working hour. No suggestion for several
 * recipients or an unknown time zone. Time zone arithmetic is luxon's (IANA rules, daylight-saving changes included),
 * never ours.
 */
export const WORKDAY = { startHour: 8, endHour: 17, firstWeekday: 1, lastWeekday: 5 } as const;

export type BestTime =
  | { suggestion: 'send_now'; timeZone: string; localNow: string }
  | { suggestion: 'send_at'; timeZone: string; localNow: string; sendAt: string; localSendAt: string }
  | { suggestion: 'none'; reason: 'several_recipients' | 'no_recipient' | 'unknown_time_zone' };

export const isKnownTimeZone = (name: string): boolean => IANAZone.isValidZone(name);

const isWorkday = (local: DateTime): boolean =>
  local.weekday >= WORKDAY.firstWeekday && local.weekday <= WORKDAY.lastWeekday;

/** Within 08:00–17:00 on a weekday, local time (17:00 itself is after hours). */
export function inWorkingHours(local: DateTime): boolean {
  return isWorkday(local) && local.hour >= WORKDAY.startHour && local.hour < WORKDAY.endHour;
}

/**
 * The next `hour`:00 after `local`, in its zone, on a day `accept` takes (every day by default). set() works in the
 * zone, so it is that wall time across daylight-saving changes; an hour a change skips becomes the hour after it.
 */
export function nextLocalHour(
  local: DateTime,
  hour: number,
  accept: (day: DateTime) => boolean = () => true,
): DateTime {
  let day = local.startOf('day');
  for (let i = 0; i < 8; i++, day = day.plus({ days: 1 })) {
    const start = day.set({ hour, minute: 0, second: 0, millisecond: 0 });
    if (accept(start) && start > local) return start;
  }
  throw new Error('no such hour within a week');
}

/** The next 08:00 on a weekday at or after `local` (today's when it is still to come). */
export function nextWorkdayStart(local: DateTime): DateTime {
  return nextLocalHour(local, WORKDAY.startHour, isWorkday);
}

/** The suggestion for recipients' time zones (null: a recipient without one) at `now`. */
export function bestDeliveryTime(timeZones: readonly (string | null)[], now: Date): BestTime {
  if (timeZones.length === 0) return { suggestion: 'none', reason: 'no_recipient' };
  if (timeZones.length > 1) return { suggestion: 'none', reason: 'several_recipients' };
  const zone = timeZones[0];
  if (!zone || !isKnownTimeZone(zone)) return { suggestion: 'none', reason: 'unknown_time_zone' };
  const local = DateTime.fromJSDate(now, { zone });
  const localNow = local.toISO({ suppressMilliseconds: true }) ?? '';
  if (inWorkingHours(local)) return { suggestion: 'send_now', timeZone: zone, localNow };
  const start = nextWorkdayStart(local);
  return {
    suggestion: 'send_at',
    timeZone: zone,
    localNow,
    sendAt: start.toUTC().toISO({ suppressMilliseconds: true }) ?? '',
    localSendAt: start.toISO({ suppressMilliseconds: true }) ?? '',
  };
}
