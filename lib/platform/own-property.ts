/**
 * Lookups by a name that came from a request or an event (a filter field, an op, a merge-field root, a reason).
 * A plain object answers `table["constructor"]` or `table["__proto__"]` from Object.prototype, so a whitelist
 * written as an object literal lets those names through: look names up as own properties only, and count
 * data-named keys into prototype-less records.
 */
export function ownValue<V>(table: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** An empty record for keys taken from data: "__proto__" or "constructor" are ordinary keys in it. */
export function dataRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}
