import type { JourneyControlsKpis } from '../../services/api/insights/journey-controls-types';
import { client, createWorkspace } from '../api/api-test-kit';
import { waitFor } from '../support/wait-for';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { DAY_MS, tally, Workspace } from './scheduler-harness';

const MINUTE_MS = 60_000;

/**
 * Issue 26: the journey controls insights (docs/kpis.md#journey-controls) count what the engine did: a paced
 * journey at night in Oslo under a one-a-day cap holds its admitted contact at the email tile, queues the rest, and
 * after the release every contact whose slot another journey took is blocked by the cap.
 */
describe('journey controls insights', () => {
  const suite = JourneyEventsKit.forSuite();
  aggregatorForSuite(suite);

  const clockAt = (iso: string): void => suite.rig.clock.advance(Date.parse(iso) - suite.rig.clock.now());

  const mailJourney = async (ws: Workspace, email: string, members: string[], settings: Record<string, unknown>) =>
    ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [await ws.segment(members)] } },
          { id: 'mail', type: 'email', next: ['end'], config: { email_id: email } },
          { id: 'end', type: 'end' },
        ],
      },
      {
        start_at: new Date(suite.rig.clock.now() - MINUTE_MS).toISOString(),
        end_at: new Date(suite.rig.clock.now() + 5 * DAY_MS).toISOString(),
        ...settings,
      },
    );

  const positions = (journeyId: string, expected: Record<string, number>) =>
    waitFor(
      async () => tally(await suite.rig.positions(journeyId)),
      (t) => Object.entries(expected).every(([k, n]) => t[k] === n),
    );

  it('reports held, queued, admitted and capped contacts as the engine moves them; another workspace gets 404', async () => {
    const { id, key } = await createWorkspace(suite.kit, 'controls');
    const api = client(suite.kit, key);
    const patch = await api('PATCH', '/v1/workspace', {
      time_zone: 'Europe/Oslo',
      quiet_hours: { start: '21:00', end: '08:00', spread_minutes: 10 },
      frequency_caps: [{ max_sends: 1, window_hours: 24 }],
    });
    expect(patch.statusCode).toBe(200);
    const ws = new Workspace(suite.rig.pool, id);
    const email = await ws.email();
    const contacts = await ws.contacts(3);
    clockAt('2026-12-18T22:00:30Z'); // 23:00 in Oslo
    // a journey without quiet hours takes every contact's slot first
    const first = await mailJourney(ws, email, contacts, { quiet_hours: null });
    await positions(first, { 'end/done': 3 });
    const paced = await mailJourney(ws, email, contacts, { entry_pacing: { max_contacts: 1, per: 'hour' } });
    await positions(paced, { 'mail/waiting': 1, 'seg/waiting': 2 });

    const controls = async (until: (c: JourneyControlsKpis) => boolean) =>
      waitFor(
        async () => (await api('GET', `/v1/insights/journeys/${paced}/controls`)).json<JourneyControlsKpis>(),
        until,
        30_000,
      );
    // every member queued at entry (3), one admitted and held at the email tile (1): the contact_held events
    const night = await controls((c) => c.quiet_hours.held_total === 1 && c.entry_pacing.queued_total === 3);
    expect(night.frequency_cap).toEqual({
      transactional: false,
      rules: [{ max_sends: 1, window_hours: 24 }],
      capped: 0,
      capped_by_tile: [],
    });
    expect(night.quiet_hours).toMatchObject({ source: 'workspace', held_now: 1, held_total: 1 });
    expect(Date.parse(night.quiet_hours.next_release_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse('2026-12-19T07:00:00Z'),
    );
    expect(night.entry_pacing).toMatchObject({ queued_now: 2, queued_total: 3, admitted_in_period: 1 });

    clockAt('2026-12-19T07:30:30Z'); // 08:30 in Oslo: the held contact is released, one more is admitted
    await suite.rig.scheduler.tick();
    await positions(paced, { 'end/done': 2, 'seg/waiting': 1 });
    const morning = await controls((c) => c.frequency_cap.capped === 2);
    expect(morning.frequency_cap.capped_by_tile).toEqual([{ tile_id: 'mail', capped: 2 }]);
    expect(morning.quiet_hours).toMatchObject({ held_now: 0, held_total: 1, next_release_at: null });
    expect(morning.entry_pacing).toMatchObject({ queued_now: 1, queued_total: 3, admitted_in_period: 1 });

    const other = await createWorkspace(suite.kit, 'controls-other');
    expect((await client(suite.kit, other.key)('GET', `/v1/insights/journeys/${paced}/controls`)).statusCode).toBe(404);
  });
});
