import { iterationAt, startedIterations } from './journey-iterations';

const iso = (windows: ReturnType<typeof startedIterations>) =>
  windows.map((w) => [w.iteration, new Date(w.startsAt).toISOString(), new Date(w.endsAt).toISOString()]);

describe('iterations of a journey (docs/scheduler.md#recurring-journeys)', () => {
  // 10:00 in Oslo each Tuesday; summer time ends on Sunday 25 October 2026, so iteration 0 lasts 169 hours.
  const oslo = {
    start_at: '2026-10-20T08:00:00Z',
    end_at: '2026-12-31T00:00:00Z',
    time_zone: 'Europe/Oslo',
    recurring: { interval_days: 7, count: 5 },
  };

  it('runs iteration k over k·interval calendar days in the time zone, across a DST change', () => {
    expect(iso(startedIterations(oslo, Date.parse('2026-10-28T00:00:00Z')))).toEqual([
      [0, '2026-10-20T08:00:00.000Z', '2026-10-27T09:00:00.000Z'],
      [1, '2026-10-27T09:00:00.000Z', '2026-11-03T09:00:00.000Z'],
    ]);
    // the hour after the UTC instant 7×24 hours on is still iteration 0
    expect(iterationAt(Date.parse(oslo.start_at), oslo.time_zone, 7, Date.parse('2026-10-27T08:30:00Z'))).toBe(0);
  });

  it('lists only started iterations, capped by count and end date', () => {
    expect(startedIterations(oslo, Date.parse('2026-10-20T07:59:59Z'))).toEqual([]);
    expect(startedIterations(oslo, Date.parse('2027-06-01T00:00:00Z')).map((w) => w.iteration)).toEqual([
      0, 1, 2, 3, 4,
    ]);
    const short = { ...oslo, end_at: '2026-11-05T00:00:00Z' };
    expect(iso(startedIterations(short, Date.parse('2027-06-01T00:00:00Z'))).slice(2)).toEqual([
      [2, '2026-11-03T09:00:00.000Z', '2026-11-05T00:00:00.000Z'],
    ]);
  });

  it('gives a journey that does not recur one iteration 0 from start to end', () => {
    const once = { ...oslo, recurring: null };
    expect(iso(startedIterations(once, Date.parse('2026-11-01T00:00:00Z')))).toEqual([
      [0, '2026-10-20T08:00:00.000Z', '2026-12-31T00:00:00.000Z'],
    ]);
    expect(startedIterations({ ...once, start_at: '' }, Date.now())).toEqual([]);
  });
});
