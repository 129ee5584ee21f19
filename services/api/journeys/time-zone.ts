/** Whether `zone` is an IANA time zone name the runtime knows (Intl's own list, as luxon reads it). */
export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
