import type { JourneyGoal, JourneyGraph } from '../../lib/domain/journeys/journey-graph';
import { isHeldOut } from '../../lib/domain/journeys/holdout';
import { client, createWorkspace } from '../api/api-test-kit';
import { waitFor } from '../support/wait-for';
import { JourneyEventsKit } from './journey-events-kit';
import { DAY_MS, tally, webhookTarget, Workspace } from './scheduler-harness';

/**
 * Issue 26, part 5: a journey holdout (docs/scheduler.md#holdout). Of ~400 contacts entering segment → email → end
 * with a 0.3 holdout, the held-out share is within tolerance, they travel to the end without a send request while
 * the treated all get one; the lift of a planted goal matches a hand computation; malformed or goal-less holdouts
 * are refused, and a live journey's holdout cannot change.
 */
describe('journey holdout', () => {
  const suite = JourneyEventsKit.forSuite();
  const N = 400;
  const SHARE = 0.3;
  const goal: JourneyGoal = { event: 'lead_generated', target_share: 0.1, exit: false };
  const graph = (segmentId: string, mail: string): JourneyGraph => ({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segmentId] } },
      { id: 'mail', type: 'email', next: ['end'], config: { email_id: mail } },
      { id: 'end', type: 'end' },
    ],
  });

  it('holds out a share within tolerance that travels the journey without mail; the lift matches a hand computation', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'holdout');
    const ws = new Workspace(rig.pool, id);
    const contacts = await ws.contacts(N);
    const journeyId = await ws.liveJourney(graph(await ws.segment(contacts), await ws.email()), {
      goal,
      holdout: { share: SHARE },
    });
    const positions = await waitFor(
      () => rig.positions(journeyId),
      (p) => p.size === N && tally(p)['end/done'] === N,
      60_000,
    );
    expect(tally(positions)).toEqual({ 'end/done': N });

    const { rows } = await rig.pool.query<{ contact_id: string }>(
      'SELECT contact_id::text FROM journey_contacts WHERE journey_id = $1 AND held_out ORDER BY contact_id',
      [journeyId],
    );
    const held = rows.map((r) => r.contact_id);
    expect(Math.abs(held.length - N * SHARE)).toBeLessThan(4 * Math.sqrt(N * SHARE * (1 - SHARE)));
    expect(held).toEqual(contacts.filter((c) => isHeldOut({ share: SHARE }, journeyId, c)).sort());
    const treated = contacts.filter((c) => !held.includes(c)).sort();

    const sends = (await rig.sendRequests()).filter((r) => r.journey_id === journeyId);
    expect(sends.map((r) => r.contact_id).sort()).toEqual(treated);
    const blocked = await waitFor(
      async () => suite.events.blocked([journeyId]),
      (found) => found.length >= held.length,
      30_000,
    );
    expect(blocked.sort()).toEqual(held.map((c) => `${c}:mail:holdout`));

    // planted goal: 10 of the held out and 60 of the treated reached it
    const reached = [...held.slice(0, 10), ...treated.slice(0, 60)];
    await rig.pool.query(
      `INSERT INTO journey_goals (journey_id, iteration, contact_id, tile_id, goal_event)
       SELECT $1, 0, c, 'end', 'lead_generated' FROM unnest($2::uuid[]) AS c`,
      [journeyId, reached],
    );
    const n1 = treated.length;
    const n0 = held.length;
    const p1 = 60 / n1;
    const p0 = 10 / n0;
    const margin = 1.96 * Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
    const res = await client(kit, key)('GET', `/v1/insights/journeys/${journeyId}/holdout`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      holdout: { share: SHARE },
      treated: { entered: n1, reached: 60 },
      held_out: { entered: n0, reached: 10 },
    });
    expect(body.treated.conversion_rate).toBeCloseTo(p1, 10);
    expect(body.held_out.conversion_rate).toBeCloseTo(p0, 10);
    expect(body.lift.absolute).toBeCloseTo(p1 - p0, 10);
    expect(body.lift.ci_low).toBeCloseTo(p1 - p0 - margin, 4);
    expect(body.lift.ci_high).toBeCloseTo(p1 - p0 + margin, 4);
    expect(body.lift.relative).toBeCloseTo((p1 - p0) / p0, 10);
  });

  it('keeps each contact in its group on re-entry in the next iteration of a recurring journey', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'holdout-recurring');
    const ws = new Workspace(rig.pool, id);
    const contacts = await ws.contacts(40);
    const start = rig.clock.now() - 60_000;
    const journeyId = await ws.liveJourney(graph(await ws.segment(contacts), await ws.email()), {
      start_at: new Date(start).toISOString(),
      end_at: new Date(start + 10 * DAY_MS).toISOString(),
      recurring: { interval_days: 1, count: 2 },
      goal,
      holdout: { share: 0.5 },
    });
    const heldIn = async (iteration: number) => {
      await waitFor(
        () => rig.positions(journeyId, iteration),
        (p) => tally(p)['end/done'] === 40,
        30_000,
      );
      const { rows } = await rig.pool.query<{ contact_id: string }>(
        'SELECT contact_id::text FROM journey_contacts WHERE journey_id = $1 AND iteration = $2 AND held_out ORDER BY 1',
        [journeyId, iteration],
      );
      return rows.map((r) => r.contact_id);
    };
    const first = await heldIn(0);
    rig.clock.advance(DAY_MS);
    await rig.scheduler.tick();
    const second = await heldIn(1);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(40);
    expect(second).toEqual(first);
    const sends = (await rig.sendRequests()).filter((r) => r.journey_id === journeyId);
    const sent = (iteration: number) =>
      new Set(sends.filter((r) => r.iteration === iteration).map((r) => r.contact_id)).size;
    expect([sent(0), sent(1)]).toEqual([40 - first.length, 40 - first.length]);
    const res = await client(kit, key)('GET', `/v1/insights/journeys/${journeyId}/holdout?iteration=1`);
    expect(res.json()).toMatchObject({
      treated: { entered: 40 - first.length, reached: 0 },
      held_out: { entered: first.length, reached: 0 },
      lift: { absolute: 0, relative: null },
    });
  });

  it('posts no launch-workflow webhook for a held-out contact: it is blocked holdout there and goes on', async () => {
    const { rig, kit } = suite;
    const target = await webhookTarget();
    try {
      const { id } = await createWorkspace(kit, 'holdout-webhook');
      const ws = new Workspace(rig.pool, id);
      const contacts = await ws.contacts(30);
      const journeyId = await ws.liveJourney(
        {
          tiles: [
            { id: 'seg', type: 'segment', next: ['crm'], config: { segment_ids: [await ws.segment(contacts)] } },
            { id: 'crm', type: 'launch_workflow', next: ['end'], config: { workflow: 'sms', url: `${target.url}/ok` } },
            { id: 'end', type: 'end' },
          ],
        },
        { goal, holdout: { share: 0.5 } },
      );
      const held = contacts.filter((c) => isHeldOut({ share: 0.5 }, journeyId, c)).sort();
      const treated = contacts.filter((c) => !held.includes(c)).sort();
      expect(held.length).toBeGreaterThan(0);
      expect(treated.length).toBeGreaterThan(0);
      await waitFor(
        () => rig.positions(journeyId),
        (p) => tally(p)['end/done'] === contacts.length,
        30_000,
      );
      const posted = await waitFor(
        async () => target.received.map((r) => String(JSON.parse(r.body).contact_id)),
        (found) => found.length >= treated.length,
        30_000,
      );
      await waitFor(() => rig.outboxEmpty(), Boolean, 30_000);
      const blocked = await waitFor(
        async () => suite.events.blocked([journeyId]),
        (found) => found.length >= held.length,
        30_000,
      );
      expect(blocked.sort()).toEqual(held.map((c) => `${c}:crm:holdout`));
      expect([...new Set(posted)].sort()).toEqual(treated);
    } finally {
      await target.close();
    }
  });

  it('refuses a malformed holdout (400) or one without a goal (422), naming the field; a live journey keeps its holdout (409)', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'holdout-check');
    const api = client(kit, key);
    const ws = new Workspace(rig.pool, id);
    const settings = { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' };
    const tiles = graph(await ws.segment([]), await ws.email());
    const body = (extra: object) => ({ name: 'holdout', graph: tiles, settings: { ...settings, ...extra } });
    for (const bad of [{ share: 0 }, { share: 0.51 }, { share: 'half' }, {}, { share: 0.2, extra: 1 }]) {
      const refused = await api('POST', '/v1/journeys', body({ goal, holdout: bad }));
      expect([bad, refused.statusCode]).toEqual([bad, 400]);
      expect(refused.body).toContain('holdout');
    }
    const goalless = await api('POST', '/v1/journeys', body({ holdout: { share: 0.2 } }));
    expect(goalless.statusCode).toBe(201);
    const refused = await api('POST', `/v1/journeys/${goalless.json().id}/go-live`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual(
      expect.arrayContaining([{ field: 'settings.holdout', message: expect.any(String) }]),
    );

    const created = await api('POST', '/v1/journeys', body({ goal, holdout: { share: 0.2 } }));
    expect(created.statusCode).toBe(201);
    const live = await api('POST', `/v1/journeys/${created.json().id}/go-live`);
    expect(live.statusCode).toBe(200);
    const changed = await api('PATCH', `/v1/journeys/${created.json().id}`, body({ goal, holdout: { share: 0.5 } }));
    expect(changed.statusCode).toBe(409);
    const stored = await api('GET', `/v1/journeys/${created.json().id}`);
    expect(stored.json().settings.holdout).toEqual({ share: 0.2 });
  });
});
