/**
 * What the stores can hold of an event's numbers. Avro's `long` and `int` are wider than ClickHouse's columns
 * (sql/clickhouse/0010: event_time DateTime, email_version and iteration UInt32, smtp_code UInt16): ClickHouse 18.16
 * refuses a negative number or a year before 1970 ("Cannot parse input", the whole insert fails) and silently wraps
 * a value above the column's maximum (a year past 2106 is stored as 0000-00-00). Either way the event cannot be
 * stored as sent, so it is refused where it is decoded and where it is encoded (docs/event-contract.md).
 */
export const STORABLE_RANGES = {
  /** DateTime is UInt32 seconds since 1970: up to 2106-02-07 06:28:15 UTC */
  event_time: { min: 0, max: 4_294_967_295_999 },
  email_version: { min: 0, max: 2 ** 31 - 1 },
  iteration: { min: 0, max: 2 ** 31 - 1 },
  smtp_code: { min: 0, max: 65_535 },
} as const;

/** The same ranges by field name. */
export const RANGE_OF: ReadonlyMap<string, { readonly min: number; readonly max: number }> = new Map(
  Object.entries(STORABLE_RANGES),
);

/** The first number of the event's data that no store can hold, as `field value`, or null when all fit. */
export function rangeProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return 'record is not an object';
  for (const [field, { min, max }] of RANGE_OF) {
    const value: unknown = Reflect.get(data, field);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return `${field} ${String(value)} is outside ${min}..${max}`;
    }
  }
  return null;
}
