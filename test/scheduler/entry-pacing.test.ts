import { DateTime } from 'luxon';
import { client, createWorkspace } from '../api/api-test-kit';
import type { EntryPacing, JourneyGraph } from '../../lib/domain/journeys/journey-graph';
import { admitQueued } from '../../services/scheduler/entry-pacing';
import { runtimeOf, type JourneyRow } from '../../services/scheduler/journey-runtime';
import { waitFor } from '../support/wait-for';
import { JourneyEventsKit } from './journey-events-kit';
import { SchedulerRig, tally, Workspace } from './scheduler-harness';

const HOUR_MS = 3_600_000;

/**
 * Issue 26, part 3: a paced journey admits exactly its rate, first come first admitted, only on its weekdays, also
 * with two scheduler replicas racing (docs/scheduler.md#entry-pacing).
 */
describe('entry pacing', () => {
  // the API and a scheduler on one test environment (the journey events reader is not used here)
  const suite = JourneyEventsKit.forSuite();

  const graph = (segmentId: string): JourneyGraph => ({
    tiles: [
      { id: 'seg', type: 'segment', next: ['end'], config: { segment_ids: [segmentId] } },
      { id: 'end', type: 'end' },
    ],
  });

  /** Moves the clock to 30 s after the next whole hour (UTC), so a test's first hour does not end under it. */
  const toNextHour = (r: SchedulerRig) => r.clock.advance(HOUR_MS - (r.clock.now() % HOUR_MS) + 30_000);

  const admittedIds = async (journeyId: string): Promise<string[]> =>
    [...(await suite.rig.positions(journeyId))].flatMap(([id, at]) => (at === 'end/done' ? [id] : [])).sort();

  /** Ticks twice more and lets the steps finish: whatever the period allowed has been admitted and moved. */
  async function settled(journeyId: string, replicas: SchedulerRig[] = [suite.rig]): Promise<Record<string, number>> {
    for (const r of replicas) await r.scheduler.tick();
    for (const r of replicas) await r.scheduler.tick();
    return tally(
      await waitFor(
        () => suite.rig.positions(journeyId),
        (p) => ![...p.values()].some((at) => at.endsWith('/at')),
      ),
    );
  }

  const admittedCount = async (journeyId: string): Promise<number | undefined> =>
    (
      await suite.rig.pool.query<{ admitted: number }>('SELECT admitted FROM journey_pacing WHERE journey_id = $1', [
        journeyId,
      ])
    ).rows[0]?.admitted;

  it('25 contacts at 10 an hour: 10 enter in the first hour, 10 in the second, 5 in the third, in the order they came', async () => {
    toNextHour(suite.rig);
    const ws = await new Workspace(suite.rig.pool).create();
    const first = (await ws.contacts(15)).sort();
    const segment = await ws.segment(first);
    const journeyId = await ws.liveJourney(graph(segment), { entry_pacing: { max_contacts: 10, per: 'hour' } });
    await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => p.size === 15,
    );
    // Later members of the dynamic segment queue behind the first ones, whatever their ids.
    const later = (await ws.contacts(10)).sort();
    await ws.addMembers(segment, later);
    await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => p.size === 25,
    );
    const order = [...first, ...later];
    expect(await settled(journeyId)).toEqual({ 'end/done': 10, 'seg/waiting': 15 });
    expect(await admittedIds(journeyId)).toEqual(order.slice(0, 10).sort());
    for (const [hour, expected] of [
      [2, 20],
      [3, 25],
    ] as const) {
      suite.rig.clock.advance(HOUR_MS);
      await suite.rig.scheduler.tick();
      expect(await settled(journeyId)).toEqual(
        expected === 25 ? { 'end/done': 25 } : { 'end/done': expected, 'seg/waiting': 25 - expected },
      );
      expect([hour, await admittedIds(journeyId)]).toEqual([hour, order.slice(0, expected).sort()]);
    }
    expect(await admittedCount(journeyId)).toBe(5);
  });

  it('nobody is admitted on a weekday the journey does not allow (the workspace time zone), and the daily rate applies on the next', async () => {
    const zone = 'Pacific/Auckland';
    const ws = await new Workspace(suite.rig.pool).create();
    await suite.rig.pool.query('UPDATE workspaces SET time_zone = $2 WHERE id = $1', [ws.id, zone]);
    // noon tomorrow in Auckland: a day the journey skips; the day after is allowed
    const noon = DateTime.fromMillis(suite.rig.clock.now(), { zone })
      .plus({ days: 1 })
      .startOf('day')
      .plus({ hours: 12 });
    suite.rig.clock.advance(noon.toMillis() - suite.rig.clock.now());
    const contacts = await ws.contacts(5);
    const pacing: EntryPacing = { max_contacts: 3, per: 'day', weekdays: [noon.plus({ days: 1 }).weekday] };
    const journeyId = await ws.liveJourney(graph(await ws.segment(contacts)), { entry_pacing: pacing });
    await waitFor(
      () => suite.rig.positions(journeyId),
      (p) => p.size === 5,
    );
    expect(await settled(journeyId)).toEqual({ 'seg/waiting': 5 });
    suite.rig.clock.advance(24 * HOUR_MS);
    await suite.rig.scheduler.tick();
    expect(await settled(journeyId)).toEqual({ 'end/done': 3, 'seg/waiting': 2 });
    expect(await admittedCount(journeyId)).toBe(3);
  });

  it('two scheduler replicas and concurrent admissions never admit more than the rate in a period', async () => {
    // One clock for both replicas, set before the replica's first tick: a replica whose clock read an earlier hour
    // would rightly admit that hour's rate too.
    toNextHour(suite.rig);
    const replica = new SchedulerRig(suite.kit.env);
    replica.clock.advance(suite.rig.clock.now() - replica.clock.now());
    await replica.start();
    try {
      const ws = await new Workspace(suite.rig.pool).create();
      const contacts = await ws.contacts(40);
      const journeyId = await ws.liveJourney(graph(await ws.segment(contacts)), {
        entry_pacing: { max_contacts: 10, per: 'hour' },
      });
      await waitFor(
        () => suite.rig.positions(journeyId),
        (p) => p.size === 40,
      );
      expect(await settled(journeyId, [suite.rig, replica])).toEqual({ 'end/done': 10, 'seg/waiting': 30 });
      // A new period: both replicas' ticks and eight admissions on two pools race for its ten places.
      suite.rig.clock.advance(HOUR_MS);
      replica.clock.advance(HOUR_MS);
      const { rows } = await suite.rig.pool.query<JourneyRow>(
        'SELECT id, workspace_id, status, graph, settings FROM journeys WHERE id = $1',
        [journeyId],
      );
      const journey = runtimeOf(rows[0]!);
      const admitted = await Promise.all(
        [suite.rig, replica, suite.rig, replica, suite.rig, replica, suite.rig, replica].map((r) =>
          admitQueued(r.pool, journey, 0, r.clock.now()),
        ),
      );
      expect(admitted.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
      expect(await settled(journeyId, [suite.rig, replica])).toEqual({ 'end/done': 20, 'seg/waiting': 20 });
      expect(await admittedCount(journeyId)).toBe(10);
    } finally {
      await replica.stop();
    }
  });

  it('the API refuses a malformed entry_pacing naming the field, and go-live refuses one stored malformed (422)', async () => {
    const { id, key } = await createWorkspace(suite.kit, 'pacing');
    const api = client(suite.kit, key);
    const ws = new Workspace(suite.kit.pool, id);
    const settings = { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' };
    const body = (entry_pacing: unknown) => ({
      name: 'paced',
      graph: graph('00000000-0000-4000-8000-000000000000'),
      settings: { ...settings, entry_pacing },
    });
    for (const [bad, field] of [
      [{ max_contacts: 0, per: 'hour' }, 'max_contacts'],
      [{ max_contacts: 5, per: 'week' }, 'per'],
      [{ max_contacts: 5, per: 'day', weekdays: [8] }, 'weekdays'],
      [{ per: 'day' }, 'max_contacts'],
    ] as const) {
      const refused = await api('POST', '/v1/journeys', body(bad));
      expect([bad, refused.statusCode]).toEqual([bad, 400]);
      expect(refused.body).toContain(field);
    }
    const created = await api('POST', '/v1/journeys', {
      ...body({ max_contacts: 5, per: 'day', weekdays: [1, 2] }),
      graph: graph(await ws.segment([])),
    });
    expect(created.statusCode).toBe(201);
    await suite.kit.pool.query(
      `UPDATE journeys SET settings = jsonb_set(settings, '{entry_pacing,weekdays}', '[1, 1]') WHERE id = $1`,
      [created.json().id],
    );
    const res = await api('POST', `/v1/journeys/${created.json().id}/go-live`);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual(
      expect.arrayContaining([{ field: 'settings.entry_pacing.weekdays', message: expect.any(String) }]),
    );
  });
});
