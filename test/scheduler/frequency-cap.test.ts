import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { client, createWorkspace } from '../api/api-test-kit';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { journeyTileKpis } from '../../services/api/insights/insights-queries';
import { takeCapSlots } from '../../services/scheduler/frequency-cap';
import { waitFor } from '../support/wait-for';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { SchedulerRig, tally, Workspace } from './scheduler-harness';

/**
 * Issue 26, part 1: the workspace's frequency cap counts commercial emails per contact across every journey,
 * exactly, also when two journeys and two scheduler replicas send to the same contacts at once; a capped contact
 * is blocked `frequency_cap` at the email tile and goes on along the path; a transactional journey is not capped
 * (docs/scheduler.md#frequency-cap).
 */
describe('frequency cap', () => {
  const suite = JourneyEventsKit.forSuite();

  const blockedAt = (journeyIds: string[]): string[] => suite.events.blocked(journeyIds);

  /** A workspace capped through the API, with a live email. */
  async function cappedWorkspace(caps: unknown): Promise<{ ws: Workspace; email: string }> {
    const { id, key } = await createWorkspace(suite.kit, 'fcap');
    const res = await client(suite.kit, key)('PATCH', '/v1/workspace', { frequency_caps: caps });
    expect([res.statusCode, res.json().frequency_caps]).toEqual([200, caps]);
    const ws = new Workspace(suite.rig.pool, id);
    return { ws, email: await ws.email() };
  }

  const mailJourney = async (ws: Workspace, email: string, members: string[], transactional?: boolean) =>
    ws.liveJourney(
      {
        tiles: [
          { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [await ws.segment(members)] } },
          { id: 'mail', type: 'email', next: ['end'], config: { email_id: email } },
          { id: 'end', type: 'end' },
        ],
      },
      transactional === undefined ? {} : { transactional },
    );

  const allDone = (r: SchedulerRig, journeyId: string, n: number) =>
    waitFor(
      () => r.positions(journeyId),
      (p) => tally(p)['end/done'] === n,
    );

  /**
   * Counter rows that already exist (a send out of the window): a step must then lock the row to see another's
   * slot, where a new row would make it wait for the other's insert anyway.
   */
  const sentLongAgo = (workspaceId: string, contacts: string[]) =>
    inTransaction(suite.rig.pool, (c) =>
      takeCapSlots(
        c,
        workspaceId,
        [{ max_sends: 1, window_hours: 24 }],
        contacts,
        suite.rig.clock.now() - 25 * 3_600_000,
      ),
    );

  const sendsTo = (requests: SendRequest[], journeyIds: string[]): string[] =>
    requests
      .filter((r) => journeyIds.includes(r.journey_id))
      .map((r) => r.contact_id)
      .sort();

  it('two live journeys sharing a contact under 1 a day send it one email; the other blocks it frequency_cap and it goes on', async () => {
    const { ws, email } = await cappedWorkspace([
      { max_sends: 1, window_hours: 24 },
      { max_sends: 5, window_hours: 168 },
    ]);
    const [shared, onlyA, onlyB] = (await ws.contacts(3)) as [string, string, string];
    const a = await mailJourney(ws, email, [shared, onlyA]);
    const b = await mailJourney(ws, email, [shared, onlyB]);
    await allDone(suite.rig, a, 2);
    await allDone(suite.rig, b, 2);
    expect(sendsTo(await suite.rig.sendRequests(), [a, b])).toEqual([shared, onlyA, onlyB].sort());
    const blocked = await waitFor(
      async () => blockedAt([a, b]),
      (events) => events.length === 1,
    );
    expect(blocked).toEqual([`${shared}:mail:frequency_cap`]);

    // A rolling window: a day later the contact has a slot again.
    suite.rig.clock.advance(25 * 3_600_000);
    const c = await mailJourney(ws, email, [shared]);
    await allDone(suite.rig, c, 1);
    expect(sendsTo(await suite.rig.sendRequests(), [c])).toEqual([shared]);
  });

  it('a transactional journey is neither capped nor takes a slot', async () => {
    const { ws, email } = await cappedWorkspace([{ max_sends: 1, window_hours: 24 }]);
    const [contact] = (await ws.contacts(1)) as [string];
    const receipt = await mailJourney(ws, email, [contact], true);
    await allDone(suite.rig, receipt, 1);
    const first = await mailJourney(ws, email, [contact], false);
    await allDone(suite.rig, first, 1);
    const receipt2 = await mailJourney(ws, email, [contact], true);
    await allDone(suite.rig, receipt2, 1);
    const second = await mailJourney(ws, email, [contact]);
    await allDone(suite.rig, second, 1);
    const requests = await suite.rig.sendRequests();
    expect([receipt, first, receipt2, second].map((j) => sendsTo(requests, [j]).length)).toEqual([1, 1, 1, 0]);
    expect(
      await waitFor(
        async () => blockedAt([second]),
        (e) => e.length === 1,
      ),
    ).toEqual([`${contact}:mail:frequency_cap`]);
  });

  it('two scheduler replicas running two journeys over the same 300 contacts send each contact exactly once', async () => {
    const replica = await new SchedulerRig(suite.kit.env).start();
    // one clock for both replicas: the first test moved the rig's a day on
    replica.clock.advance(suite.rig.clock.now() - replica.clock.now());
    try {
      const { ws, email } = await cappedWorkspace([{ max_sends: 1, window_hours: 24 }]);
      const contacts = await ws.contacts(300);
      await sentLongAgo(ws.id, contacts);
      const [a, b] = await Promise.all([mailJourney(ws, email, contacts), mailJourney(ws, email, contacts)]);
      await allDone(suite.rig, a, 300);
      await allDone(suite.rig, b, 300);
      const requests = [...(await suite.rig.sendRequests()), ...(await replica.sendRequests())];
      expect(sendsTo(requests, [a, b])).toEqual([...contacts].sort());
      const blocked = await waitFor(
        async () => blockedAt([a, b]),
        (events) => events.length >= 300,
      );
      expect(blocked.map((e) => e.split(':')[0]).sort()).toEqual([...contacts].sort());
      expect(new Set(blocked.map((e) => e.split(':').slice(1).join(':')))).toEqual(new Set(['mail:frequency_cap']));
    } finally {
      await replica.stop();
    }
  });

  it('a transaction after the last slot waits for the one holding it: taken after its COMMIT, free again after its ROLLBACK', async () => {
    const { id } = await createWorkspace(suite.kit, 'fcap-race');
    const rules = [{ max_sends: 1, window_hours: 24 }];
    for (const [end, expected] of [
      ['COMMIT', 0],
      ['ROLLBACK', 1],
    ] as const) {
      const [contact] = (await new Workspace(suite.rig.pool, id).contacts(1)) as [string];
      await sentLongAgo(id, [contact]);
      const [first, second] = [await suite.rig.pool.connect(), await suite.rig.pool.connect()];
      try {
        await first.query('BEGIN');
        await second.query('BEGIN');
        expect(await takeCapSlots(first, id, rules, [contact], suite.rig.clock.now())).toEqual(new Set([contact]));
        const pid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
        const pending = takeCapSlots(second, id, rules, [contact], suite.rig.clock.now());
        await waitFor(
          async () =>
            (
              await suite.rig.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [
                pid,
              ])
            ).rowCount,
          (n) => n === 1,
        );
        await first.query(end);
        expect([end, (await pending).size]).toEqual([end, expected]);
        await second.query('COMMIT');
      } finally {
        first.release();
        second.release();
      }
    }
  });

  describe('tile KPIs', () => {
    aggregatorForSuite(suite);

    it('count the capped contact Blocked frequency_cap at the email tile, not processed there, and at the end tile', async () => {
      const { ws, email } = await cappedWorkspace([{ max_sends: 1, window_hours: 24 }]);
      const [shared, onlyA] = (await ws.contacts(2)) as [string, string];
      const a = await mailJourney(ws, email, [shared, onlyA]);
      await allDone(suite.rig, a, 2);
      const b = await mailJourney(ws, email, [shared]);
      await allDone(suite.rig, b, 1);
      const tiles = await waitFor(
        () => journeyTileKpis(suite.kit.env.clickhouse, { workspaceId: ws.id, journeyId: b }),
        (t) => t.find((k) => k.tileId === 'end')?.processed === 1 && t.find((k) => k.tileId === 'mail')?.blocked === 1,
        30_000,
      );
      expect(tiles.find((k) => k.tileId === 'mail')).toMatchObject({
        inflow: 1,
        processed: 0,
        blocked: 1,
        blockedByReason: { frequency_cap: 1 },
        failed: 0,
        processing: 0,
      });
      expect(tiles.find((k) => k.tileId === 'end')).toMatchObject({ inflow: 1, processed: 1, blocked: 0 });
    });
  });
});
