import { IANAZone } from 'luxon';
import { join, sql } from '../../lib/platform/clickhouse/sql';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';

/** Scan step: two offset changes that cancel out within one week (none known) would be missed. */
const WEEK_MS = 7 * 86_400_000;
/** The span whose transitions are written: no Cairn event is older, and 2060 is far enough ahead. */
const FIRST_MS = Date.UTC(2000, 0, 1);
const LAST_MS = Date.UTC(2060, 0, 1);

export interface ZoneTransition {
  /** the offset holds from this instant on (the first one from 1970, for any earlier event) */
  validFrom: Date;
  offsetSeconds: number;
}

/** The zone's UTC offset at an instant, in seconds (luxon reads Node's own time-zone data). */
const offsetAt = (zone: IANAZone, ms: number): number => zone.offset(ms) * 60;

/** The first second in (low, high] whose offset differs from the offset at low. */
function changeWithin(zone: IANAZone, low: number, high: number): number {
  const before = offsetAt(zone, low);
  let lo = low;
  let hi = high;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Every UTC offset change of an IANA zone from 2000 to 2060 (daylight saving time and the zone's own history),
 * found week by week then narrowed to the second; the scan resumes at each change, so two changes in one week are
 * both found.
 */
export function zoneTransitions(timeZone: string): ZoneTransition[] {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new Error(`unknown time zone ${JSON.stringify(timeZone)}`);
  const transitions: ZoneTransition[] = [{ validFrom: new Date(0), offsetSeconds: offsetAt(zone, FIRST_MS) }];
  for (let from = FIRST_MS; from < LAST_MS;) {
    const to = from + WEEK_MS;
    if (offsetAt(zone, from) === offsetAt(zone, to)) {
      from = to;
      continue;
    }
    from = changeWithin(zone, from, to);
    transitions.push({ validFrom: new Date(from), offsetSeconds: offsetAt(zone, from) });
  }
  return transitions;
}

/**
 * Writes the transitions of each zone not yet in time_zone_offsets (sql/clickhouse/0120). Zones unknown to Node are
 * skipped (their events stay in UTC). Writing a zone twice is harmless: ReplacingMergeTree keys on (zone, valid_from)
 * and the rows are the same.
 */
export async function writeZoneOffsets(ch: ClickHouseCommands, zones: readonly string[]): Promise<string[]> {
  const written: string[] = [];
  for (const timeZone of zones) {
    if (!IANAZone.isValidZone(timeZone)) continue;
    const rows = zoneTransitions(timeZone).map((t) => sql`(${timeZone}, ${t.validFrom}, ${t.offsetSeconds})`);
    await ch.exec(sql`INSERT INTO time_zone_offsets (time_zone, valid_from, offset_seconds) VALUES ${join(rows)}`);
    written.push(timeZone);
  }
  return written;
}

/** Zones that contacts use and that have no offsets yet. */
export async function zonesWithoutOffsets(ch: ClickHouseCommands): Promise<string[]> {
  const rows = await ch.rows<{ time_zone: string }>(sql`
    SELECT DISTINCT time_zone FROM contact_time_zones
    WHERE time_zone != '' AND time_zone NOT IN (SELECT time_zone FROM time_zone_offsets) ORDER BY time_zone`);
  return rows.map((row) => row.time_zone);
}
