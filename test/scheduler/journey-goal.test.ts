import type { JourneyGoal, JourneyGraph } from '../../lib/domain/journeys/journey-graph';
import { recordGoals } from '../../services/scheduler/journey-goal';
import { client, createWorkspace } from '../api/api-test-kit';
import { produce } from '../aggregator/aggregator-harness';
import { journeyEmailEvent } from '../support/journey-email-event';
import { waitFor } from '../support/wait-for';
import { insertForm } from './inbound-kit';
import { sql } from '../../lib/platform/clickhouse/sql';
import { journeyTileKpis } from '../../services/api/insights/insights-queries';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { DAY_MS, tally, Workspace } from './scheduler-harness';

/**
 * Issue 26, part 6: a journey goal with an exit criterion (docs/scheduler.md#goal). A click reaches the goal once,
 * the contact leaves the trigger it waited at and never gets the later email; the others go on; the goal's
 * insights and its error check.
 */
describe('journey goal and exit', () => {
  const suite = JourneyEventsKit.forSuite();

  /** segment → mail → wait (opened within 7 days) → opened: end, not: mail2 → end */
  const graph = (segmentId: string, mail: string, mail2: string): JourneyGraph => ({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segmentId] } },
      { id: 'mail', type: 'email', next: ['wait'], config: { email_id: mail } },
      {
        id: 'wait',
        type: 'trigger',
        next: ['opened', 'mail2'],
        config: { email_tile_id: 'mail', condition: 'opened', timeout_days: 7 },
      },
      { id: 'opened', type: 'end' },
      { id: 'mail2', type: 'email', next: ['end'], config: { email_id: mail2 } },
      { id: 'end', type: 'end' },
    ],
  });
  const goal: JourneyGoal = { event: 'clicked_link', email_tile_id: 'mail', target_share: 0.4, exit: true };

  /** Two contacts waiting at the trigger of a live journey with the goal; the first clicks (produced to Kafka). */
  async function clickedAtTrigger(ws: Workspace) {
    const { rig, kit } = suite;
    const [clicker, other] = (await ws.contacts(2)) as [string, string];
    const segment = await ws.segment([clicker, other]);
    const journeyId = await ws.liveJourney(graph(segment, await ws.email(), await ws.email()), { goal });
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === 2,
      30_000,
    );
    const on = { workspaceId: ws.id, journeyId, contactId: clicker };
    const click = journeyEmailEvent('click', on, { link_id: 'offer', url: 'https://example.com/offer' });
    await produce(kit.env.kafka, kit.env.topics, [click]);
    return { clicker, other, journeyId, on, click };
  }

  it('a click reaches the goal once: the contact leaves the trigger and never gets the later email; the others go on', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'goal');
    const { clicker, other, journeyId, on, click } = await clickedAtTrigger(new Workspace(rig.pool, id));
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(clicker) === 'wait/exited',
      30_000,
    );
    // a second click and a redelivery of the first record nothing more
    const again = journeyEmailEvent('click', on, { link_id: 'other', url: 'https://example.com/other' });
    expect(await recordGoals(rig.pool, [click, again], rig.clock.now())).toBe(false);
    const goals = await rig.pool.query(
      'SELECT contact_id::text, tile_id, goal_event, exited FROM journey_goals WHERE journey_id = $1',
      [journeyId],
    );
    expect(goals.rows).toEqual([{ contact_id: clicker, tile_id: 'wait', goal_event: 'clicked_link', exited: true }]);

    rig.clock.advance(7 * DAY_MS + 60_000);
    await rig.scheduler.tick();
    const after = await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(other) === 'end/done',
      30_000,
    );
    expect(tally(after)).toEqual({ 'wait/exited': 1, 'end/done': 1 });
    const sends = (await rig.sendRequests()).filter((r) => r.journey_id === journeyId);
    expect(sends.map((r) => `${r.tile_id}:${r.contact_id}`).sort()).toEqual(
      [`mail:${clicker}`, `mail:${other}`, `mail2:${other}`].sort(),
    );

    // its events: goal_reached once at the tile it was at, and the exit counted as blocked there
    const events = await waitFor(
      async () => suite.events.journeyEvents().filter((e) => e.data.contact_id === clicker),
      (found) => found.some((e) => e.type === 'goal_reached') && found.some((e) => e.type === 'tile_blocked'),
      30_000,
    );
    const reached = events.filter((e) => e.type === 'goal_reached');
    expect(new Set(reached.map((e) => e.data.event_id)).size).toBe(1);
    expect(reached[0]?.data).toMatchObject({ journey_id: journeyId, tile_id: 'wait', iteration: 0 });
    expect(reached[0]?.data).toMatchObject({ goal_event: 'clicked_link', exited: true });
    expect(suite.events.blocked([journeyId])).toEqual([`${clicker}:wait:goal_exit`]);

    const res = await client(kit, key)('GET', `/v1/insights/journeys/${journeyId}/goal`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      goal,
      entered: 2,
      reached: 1,
      reached_share: 0.5,
      target_share: 0.4,
      on_target: true,
      exited: 1,
      tiles: [{ tile_id: 'wait', reached: 1, exited: 1 }],
    });
  });

  it('refuses a goal that is malformed (400) or names what the journey or workspace lacks (422), naming the field', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'goal-check');
    const api = client(kit, key);
    const ws = new Workspace(rig.pool, id);
    const settings = { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' };
    const tiles = graph(await ws.segment([]), await ws.email(), await ws.email());
    const body = (g: unknown) => ({ name: 'goal', graph: tiles, settings: { ...settings, goal: g } });
    for (const [bad, field] of [
      [{ ...goal, target_share: 0 }, 'target_share'],
      [{ ...goal, target_share: 1.5 }, 'target_share'],
      [{ ...goal, event: 'opened' }, 'event'],
      [{ event: 'event', event_type: 'tile_inflow', target_share: 0.1, exit: false }, 'event_type'],
      [{ event: 'lead_generated', target_share: 0.1 }, 'exit'],
    ] as const) {
      const refused = await api('POST', '/v1/journeys', body(bad));
      expect([bad, refused.statusCode]).toEqual([bad, 400]);
      expect(refused.body).toContain(field);
    }
    const unknownForm = '00000000-0000-4000-8000-000000000000';
    for (const [bad, field] of [
      [{ ...goal, email_tile_id: 'wait' }, 'settings.goal.email_tile_id'],
      [{ event: 'form_submitted', form_id: unknownForm, target_share: 0.2, exit: true }, 'settings.goal.form_id'],
      [{ event: 'form_submitted', target_share: 0.2, exit: true }, 'settings.goal.form_id'],
      [
        { event: 'lead_generated', form_id: await insertForm(rig.pool, id), target_share: 0.2, exit: true },
        'settings.goal.form_id',
      ],
    ] as const) {
      const created = await api('POST', '/v1/journeys', body(bad));
      expect(created.statusCode).toBe(201);
      const res = await api('POST', `/v1/journeys/${created.json().id}/go-live`);
      expect([bad, res.statusCode]).toEqual([bad, 422]);
      expect(res.json().errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    }
    const form = await insertForm(rig.pool, id);
    const check = async (g: unknown) => {
      const created = await api('POST', '/v1/journeys', body(g));
      return (await api('POST', `/v1/journeys/${created.json().id}/check`)).json();
    };
    const good = await check({ event: 'form_submitted', form_id: form, target_share: 0.2, exit: false });
    expect(good.errors.filter((e: { field: string }) => e.field.startsWith('settings.goal'))).toEqual([]);
  });
  describe('tile KPIs', () => {
    aggregatorForSuite(suite);

    it('count an exit as Blocked goal_exit at the tile it left, so the tile adds up; goal_reached reaches events_raw', async () => {
      const { rig, kit } = suite;
      const ws = await new Workspace(rig.pool).create();
      const { clicker, journeyId } = await clickedAtTrigger(ws);
      const wait = await waitFor(
        async () =>
          (await journeyTileKpis(kit.env.clickhouse, { workspaceId: ws.id, journeyId })).find(
            (k) => k.tileId === 'wait',
          ),
        (k) => k?.blocked === 1,
        30_000,
      );
      expect(wait).toMatchObject({
        inflow: 2,
        processing: 1,
        blocked: 1,
        blockedByReason: { goal_exit: 1 },
        processed: 0,
      });
      const raw = await waitFor(
        () =>
          kit.env.clickhouse.rows<{ contact_id: string; tile_id: string }>(
            sql`SELECT contact_id, tile_id FROM events_raw WHERE workspace_id = ${ws.id} AND event_type = 'goal_reached'`,
          ),
        (rows) => rows.length > 0,
        30_000,
      );
      expect(raw).toEqual([{ contact_id: clicker, tile_id: 'wait' }]);
    });
  });
});
