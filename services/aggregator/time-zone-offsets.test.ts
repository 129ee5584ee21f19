import { zoneTransitions } from './time-zone-offsets';

const at = (iso: string): number => new Date(iso).getTime();

describe('zoneTransitions', () => {
  it('finds daylight saving time changes to the second (EU rule: last Sunday of March and October, 01:00 UTC)', () => {
    const oslo = zoneTransitions('Europe/Oslo');
    expect(oslo[0]).toEqual({ validFrom: new Date(0), offsetSeconds: 3600 });
    const in2026 = oslo
      .filter((t) => t.validFrom.getUTCFullYear() === 2026)
      .map((t) => [t.validFrom.toISOString(), t.offsetSeconds]);
    expect(in2026).toEqual([
      ['2026-03-29T01:00:00.000Z', 7200],
      ['2026-10-25T01:00:00.000Z', 3600],
    ]);
    // two changes a year, 2000 to 2059
    expect(oslo.length).toBe(1 + 2 * 60);
  });

  it('keeps quarter-hour and fixed offsets (Kathmandu +05:45, no DST since 1986) and UTC as one row', () => {
    expect(zoneTransitions('Asia/Kathmandu')).toEqual([{ validFrom: new Date(0), offsetSeconds: 20_700 }]);
    expect(zoneTransitions('UTC')).toEqual([{ validFrom: new Date(0), offsetSeconds: 0 }]);
  });

  it('follows southern-hemisphere and negative offsets (Santiago: UTC-3 in January, UTC-4 in July)', () => {
    const santiago = zoneTransitions('America/Santiago');
    const offsetAt = (ms: number) => [...santiago].reverse().find((t) => t.validFrom.getTime() <= ms)?.offsetSeconds;
    expect([offsetAt(at('2026-01-15T12:00:00Z')), offsetAt(at('2026-07-15T12:00:00Z'))]).toEqual([-10_800, -14_400]);
  });

  it('refuses an unknown zone', () => {
    expect(() => zoneTransitions('Mars/Olympus_Mons')).toThrow('unknown time zone');
  });
});
