import { activeIteration, runtimeOf, type JourneyRow } from './journey-runtime';

const row = (settings: Partial<JourneyRow['settings']>): JourneyRow => ({
  id: 'j',
  workspace_id: 'w',
  status: 'live',
  graph: { tiles: [] },
  settings: {
    target: 'contacts',
    start_at: '2026-03-07T09:00:00-05:00',
    end_at: '2026-04-01T00:00:00Z',
    time_zone: 'America/New_York',
    min_consent: 0,
    ...settings,
  },
});

describe('recurring journey iterations follow calendar days in the journey zone', () => {
  const journey = runtimeOf(row({ recurring: { interval_days: 1, count: 3 } }));
  const at = (iso: string) => Date.parse(iso);

  it('starts iteration 1 at 09:00 New York the next day, across the spring-forward change (23 hours later)', () => {
    expect(activeIteration(journey, at('2026-03-08T12:59:00Z'))).toBe(0); // 08:59 EDT
    expect(activeIteration(journey, at('2026-03-08T13:00:00Z'))).toBe(1); // 09:00 EDT
  });

  it('ends the schedule after the last iteration and outside the window', () => {
    expect(journey.endAt).toBe(at('2026-03-10T13:00:00Z'));
    expect(activeIteration(journey, at('2026-03-10T13:00:00Z'))).toBeNull();
    expect(activeIteration(journey, at('2026-03-07T13:59:00Z'))).toBeNull();
  });
});
