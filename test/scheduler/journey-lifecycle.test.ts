import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { waitFor } from '../support/wait-for';
import { DAY_MS, SchedulerRig, schedulerConfig, tally, Workspace } from './scheduler-harness';

/** Entry, blocking, bad input, schedule windows, stop and recurrence, with the API for stop and recurrence. */
describe('journey lifecycle', () => {
  let kit: ApiKit;
  let rig: SchedulerRig;

  beforeAll(async () => {
    kit = await startApiKit();
    rig = await new SchedulerRig(kit.env).start();
  });

  afterAll(async () => {
    await rig?.stop();
    await kit?.close();
  });

  const waitThenEnd = (segmentIds: string[], extra: Record<string, unknown> = {}) => ({
    tiles: [
      { id: 'seg', type: 'segment' as const, next: ['wait'], config: { segment_ids: segmentIds, ...extra } },
      { id: 'wait', type: 'scheduler' as const, next: ['end'], config: { wait_days: 1 } },
      { id: 'end', type: 'end' as const },
    ],
  });

  const pass = async (ms: number): Promise<void> => {
    rig.clock.advance(ms);
    await rig.scheduler.tick();
  };

  it('blocks before every tile: unsubscribed from the list, in the suppression segment, consent below the minimum', async () => {
    const ws = await new Workspace(rig.pool).create();
    const [low] = await ws.contacts(1, { consent_level: 1 });
    const fine = await ws.contacts(4, { consent_level: 3 });
    const [unsubscribed, suppressed, later, ok] = fine as [string, string, string, string];
    const everyone = [low as string, ...fine];
    const list = await ws.list(everyone);
    await rig.pool.query('UPDATE list_memberships SET unsubscribed_at = now() WHERE list_id = $1 AND contact_id = $2', [
      list,
      unsubscribed,
    ]);
    const suppression = await ws.segment([suppressed]);
    const segment = await ws.segment(everyone);
    const email = await ws.email();
    const journeyId = await ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['wait'], config: { segment_ids: [segment] } },
          { id: 'wait', type: 'scheduler', next: ['mail'], config: { wait_hours: 2 } },
          { id: 'mail', type: 'email', next: ['end'], config: { email_id: email } },
          { id: 'end', type: 'end' },
        ],
      },
      { list_id: list, suppression_segment_id: suppression, min_consent: 2 },
    );
    const first = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === 2,
    );
    expect([first.get(low as string), first.get(unsubscribed), first.get(suppressed)]).toEqual([
      'seg/blocked',
      'seg/blocked',
      'seg/blocked',
    ]);
    await rig.pool.query('UPDATE list_memberships SET unsubscribed_at = now() WHERE list_id = $1 AND contact_id = $2', [
      list,
      later,
    ]);
    await pass(3 * 3_600_000);
    const final = await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(ok) === 'end/done',
    );
    expect(final.get(later)).toBe('mail/blocked');
    expect((await rig.sendRequests()).filter((r) => r.journey_id === journeyId).map((r) => r.contact_id)).toEqual([ok]);
  });

  it('fails contacts whose email or list was deleted while live, with the reason, and the rest go on', async () => {
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(20);
    const segment = await ws.segment(contacts);
    const [gone, kept] = [await ws.email(), await ws.email()];
    const journeyId = await ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['split'], config: { segment_ids: [segment] } },
        { id: 'split', type: 'splitter', next: ['wait_a', 'wait_b'], config: { percentages: [50, 50] } },
        { id: 'wait_a', type: 'scheduler', next: ['mail_gone'], config: { wait_hours: 1 } },
        { id: 'mail_gone', type: 'email', next: ['end'], config: { email_id: gone } },
        { id: 'wait_b', type: 'scheduler', next: ['mail_kept'], config: { wait_hours: 1 } },
        { id: 'mail_kept', type: 'email', next: ['end'], config: { email_id: kept } },
        { id: 'end', type: 'end' },
      ],
    });
    const listed = await ws.list(contacts);
    const other = await ws.liveJourney(waitThenEnd([segment]), { list_id: listed });
    await waitFor(
      () => rig.positions(journeyId),
      (p) => (tally(p)['wait_a/waiting'] ?? 0) + (tally(p)['wait_b/waiting'] ?? 0) === 20,
    );
    await waitFor(
      () => rig.positions(other),
      (p) => tally(p)['wait/waiting'] === 20,
    );
    await rig.pool.query('DELETE FROM emails WHERE id = $1', [gone]);
    await rig.pool.query('DELETE FROM subscription_lists WHERE id = $1', [listed]);
    await pass(DAY_MS + 60_000);
    const final = await waitFor(
      () => rig.positions(journeyId),
      (p) => (tally(p)['mail_gone/failed'] ?? 0) + (tally(p)['end/done'] ?? 0) === 20,
    );
    expect(tally(final)['mail_gone/failed']).toBeGreaterThan(0);
    expect(tally(final)['end/done']).toBe(20 - (tally(final)['mail_gone/failed'] ?? 0));
    await waitFor(
      () => rig.positions(other),
      (p) => tally(p)['end/failed'] === 20,
    );
  });

  it('enters contacts once per iteration across segment tiles, and newcomers of a dynamic segment while live', async () => {
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(12);
    const [a, b, excluded] = [
      await ws.segment(contacts.slice(0, 8)),
      await ws.segment(contacts.slice(4, 12)),
      await ws.segment([contacts[5] as string]),
    ];
    const list = await ws.list(contacts.slice(10, 12));
    const journeyId = await ws.liveJourney({
      tiles: [
        {
          id: 'both',
          type: 'segment',
          next: ['wait'],
          config: { segment_ids: [a, b], combine: 'intersection', exclude_segment_ids: [excluded] },
        },
        {
          id: 'listed',
          type: 'segment',
          next: ['wait'],
          config: { segment_ids: [b], list_ids: [list], combine: 'intersection' },
        },
        { id: 'wait', type: 'scheduler', next: ['end'], config: { wait_days: 1 } },
        { id: 'end', type: 'end' },
      ],
    });
    // contacts 4..7 minus 5, plus 10 and 11
    const first = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['wait/waiting'] === 5,
    );
    expect([...first.keys()].sort()).toEqual(
      [contacts[4], contacts[6], contacts[7], contacts[10], contacts[11]].sort(),
    );
    const [newcomer] = await ws.contacts(1);
    await ws.addMembers(a, [newcomer as string]);
    await ws.addMembers(b, [newcomer as string, contacts[4] as string]);
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(newcomer as string) === 'wait/waiting' && p.size === 6,
    );
  });

  it('enters a large audience in slices (three contacts a batch, one batch a slice), each contact once, across two overlapping segment tiles', async () => {
    const sliced = await new SchedulerRig(
      kit.env,
      schedulerConfig(kit.env, { CAIRN_SCHEDULER_ENTRY_BATCH: '3', CAIRN_SCHEDULER_ENTRY_SLICE_MS: '0' }),
    ).start();
    try {
      const ws = await new Workspace(sliced.pool).create();
      const contacts = await ws.contacts(20);
      const [first, second] = [await ws.segment(contacts.slice(0, 14)), await ws.segment(contacts.slice(8, 20))];
      const journeyId = await ws.liveJourney({
        tiles: [
          // no wait: the suite's other rig, whose clock earlier tests moved, shares the database
          { id: 'one', type: 'segment', next: ['end'], config: { segment_ids: [first] } },
          { id: 'two', type: 'segment', next: ['end'], config: { segment_ids: [second] } },
          { id: 'end', type: 'end' },
        ],
      });
      await sliced.scheduler.tick();
      const entered = await waitFor(
        () => sliced.positions(journeyId),
        (p) => p.size === 20,
      );
      expect(tally(entered)).toEqual({ 'end/done': 20 });
      const { rows } = await sliced.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM journey_runs WHERE journey_id = $1',
        [journeyId],
      );
      expect(rows[0]?.n).toBe(1);
    } finally {
      await sliced.stop();
    }
  });

  it('waits for the start date, stops at the end date wherever contacts are, and a stop through the API stops at once', async () => {
    const { id, key } = await createWorkspace(kit);
    const ws = new Workspace(rig.pool, id);
    const contacts = await ws.contacts(5);
    const segment = await ws.segment(contacts);
    const now = rig.clock.now();
    const later = await ws.liveJourney(waitThenEnd([segment]), {
      start_at: new Date(now + DAY_MS).toISOString(),
      end_at: new Date(now + DAY_MS + 12 * 3_600_000).toISOString(),
    });
    const stopped = await ws.liveJourney(waitThenEnd([segment]));
    await waitFor(
      () => rig.positions(stopped),
      (p) => tally(p)['wait/waiting'] === 5,
    );
    expect((await rig.positions(later)).size).toBe(0);
    expect((await client(kit, key)('POST', `/v1/journeys/${stopped}/stop`)).json()).toMatchObject({
      status: 'stopped',
    });
    await pass(DAY_MS + 60_000);
    await waitFor(
      () => rig.positions(later),
      (p) => tally(p)['wait/waiting'] === 5,
    );
    expect(tally(await rig.positions(stopped))).toEqual({ 'wait/waiting': 5 });
    await pass(DAY_MS);
    await waitFor(
      () => rig.pool.query<{ status: string }>('SELECT status FROM journeys WHERE id = $1', [later]),
      (r) => r.rows[0]?.status === 'completed',
    );
    expect(tally(await rig.positions(later))).toEqual({ 'wait/waiting': 5 });
  });

  it('re-runs a recurring journey each interval up to the count; raising the count through the API makes it live again', async () => {
    const { id, key } = await createWorkspace(kit);
    const api = client(kit, key);
    const ws = new Workspace(rig.pool, id);
    const contacts = await ws.contacts(3);
    const segment = await ws.segment(contacts);
    const start = rig.clock.now() - 60_000;
    const graph = {
      tiles: [
        { id: 'seg', type: 'segment' as const, next: ['end'], config: { segment_ids: [segment] } },
        { id: 'end', type: 'end' as const },
      ],
    };
    const journeyId = await ws.liveJourney(graph, {
      start_at: new Date(start).toISOString(),
      end_at: new Date(start + 10 * DAY_MS).toISOString(),
      recurring: { interval_days: 1, count: 2 },
    });
    await waitFor(
      () => rig.positions(journeyId, 0),
      (p) => tally(p)['end/done'] === 3,
    );
    await pass(DAY_MS);
    await waitFor(
      () => rig.positions(journeyId, 1),
      (p) => tally(p)['end/done'] === 3,
    );
    await pass(DAY_MS);
    const status = () =>
      rig.pool
        .query<{ status: string }>('SELECT status FROM journeys WHERE id = $1', [journeyId])
        .then((r) => r.rows[0]?.status);
    await waitFor(status, (s) => s === 'completed');
    expect((await rig.positions(journeyId, 2)).size).toBe(0);
    expect((await api('PATCH', `/v1/journeys/${journeyId}`, { name: 'renamed' })).statusCode).toBe(409);
    expect((await api('POST', `/v1/journeys/${journeyId}/recurrence`, { count: 2 })).statusCode).toBe(422);
    const raised = await api('POST', `/v1/journeys/${journeyId}/recurrence`, { count: 3 });
    expect(raised.statusCode).toBe(200);
    expect(raised.json()).toMatchObject({ status: 'live' });
    await rig.scheduler.tick();
    await waitFor(
      () => rig.positions(journeyId, 2),
      (p) => tally(p)['end/done'] === 3,
    );
    const stop = await api('POST', `/v1/journeys/${journeyId}/stop`);
    expect(stop.json()).toMatchObject({ status: 'stopped' });
  });
});
