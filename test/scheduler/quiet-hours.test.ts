import { client, createWorkspace } from '../api/api-test-kit';
import { waitFor } from '../support/wait-for';
import { journeyTileKpis } from '../../services/api/insights/insights-queries';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { emailTileHolds } from './email-tile-holds';
import { Workspace } from './scheduler-harness';

const MINUTE_MS = 60_000;
const SPREAD = 30;

/**
 * Issue 26, part 2: quiet hours hold a contact at the email tile while it is night in its time zone (the workspace's
 * when it has none) and send it when the window ends, 08:00 local also across a DST change, within the spread; a
 * journey's own setting overrides the workspace's; the frequency cap slot is taken at the send
 * (docs/scheduler.md#quiet-hours).
 */
describe('quiet hours', () => {
  const suite = JourneyEventsKit.forSuite();

  const { mailJourney, settled, sendsOf, heldUntil, clockAt } = emailTileHolds(suite);

  async function quietWorkspace(settings: Record<string, unknown>): Promise<{ ws: Workspace; email: string }> {
    const { id, key } = await createWorkspace(suite.kit, 'quiet');
    const res = await client(suite.kit, key)('PATCH', '/v1/workspace', {
      quiet_hours: { start: '21:00', end: '08:00', spread_minutes: SPREAD },
      ...settings,
    });
    expect(res.statusCode).toBe(200);
    const ws = new Workspace(suite.rig.pool, id);
    return { ws, email: await ws.email() };
  }

  const withinSpread = (due: number | undefined, opens: string): boolean =>
    due !== undefined && due >= Date.parse(opens) && due < Date.parse(opens) + SPREAD * MINUTE_MS;

  it('holds a contact reaching the email at 23:00 in Oslo until 08:00 there, one without a zone by the workspace zone', async () => {
    const { ws, email } = await quietWorkspace({ time_zone: 'Asia/Tokyo' });
    const [oslo] = (await ws.contacts(1, { time_zone: 'Europe/Oslo' })) as [string];
    const [noZone] = (await ws.contacts(1)) as [string];
    const [newYork] = (await ws.contacts(1, { time_zone: 'America/New_York' })) as [string];
    // 23:00 in Oslo, 07:00 the next morning in Tokyo (the workspace's zone), 17:00 in New York
    clockAt('2026-12-10T22:00:00Z');
    const journey = await mailJourney(ws, email, [oslo, noZone, newYork], '2026-12-10T22:00:00Z');
    await settled(journey, { 'mail/waiting': 2, 'end/done': 1 });
    expect((await sendsOf(journey)).map((r) => r.contact_id)).toEqual([newYork]);
    const held = await heldUntil(journey);
    expect(withinSpread(held.get(oslo), '2026-12-11T07:00:00Z')).toBe(true); // 08:00 in Oslo
    expect(withinSpread(held.get(noZone), '2026-12-10T23:00:00Z')).toBe(true); // 08:00 in Tokyo

    clockAt('2026-12-10T23:30:00Z');
    await settled(journey, { 'mail/waiting': 1, 'end/done': 2 });
    clockAt('2026-12-11T07:30:00Z');
    await settled(journey, { 'end/done': 3 });
    const sends = await sendsOf(journey);
    expect(sends.map((r) => r.contact_id).sort()).toEqual([oslo, noZone, newYork].sort());
    const sentAt = (id: string): number => sends.find((r) => r.contact_id === id)?.requested_at ?? 0;
    expect(sentAt(oslo)).toBeGreaterThanOrEqual(held.get(oslo) ?? Infinity);
    expect(sentAt(noZone)).toBeGreaterThanOrEqual(held.get(noZone) ?? Infinity);
  });

  it('releases at 08:00 local across the DST change of 29 March 2026 in Oslo', async () => {
    const { ws, email } = await quietWorkspace({ time_zone: 'UTC' });
    const [oslo] = (await ws.contacts(1, { time_zone: 'Europe/Oslo' })) as [string];
    clockAt('2026-03-28T22:00:00Z'); // 23:00 CET
    const journey = await mailJourney(ws, email, [oslo], '2026-03-28T22:00:00Z');
    await settled(journey, { 'mail/waiting': 1 });
    // 08:00 CEST is 06:00Z: the night has 23 hours
    const due = (await heldUntil(journey)).get(oslo);
    expect(withinSpread(due, '2026-03-29T06:00:00Z')).toBe(true);
    clockAt('2026-03-29T06:30:00Z');
    await settled(journey, { 'end/done': 1 });
    expect((await sendsOf(journey)).map((r) => r.contact_id)).toEqual([oslo]);
  });

  it("a journey's own setting overrides the workspace's: null sends at once, its own window applies instead", async () => {
    const { ws, email } = await quietWorkspace({ time_zone: 'Europe/Oslo' });
    const contacts = await ws.contacts(2);
    clockAt('2026-12-12T22:00:00Z'); // 23:00 in Oslo
    const none = await mailJourney(ws, email, contacts, '2026-12-12T22:00:00Z', { quiet_hours: null });
    const own = await mailJourney(ws, email, contacts, '2026-12-12T22:00:00Z', {
      quiet_hours: { start: '12:00', end: '13:00' },
    });
    await settled(none, { 'end/done': 2 });
    await settled(own, { 'end/done': 2 });
    expect((await sendsOf(none)).length).toBe(2);
    expect((await sendsOf(own)).length).toBe(2);
  });

  it('a held contact takes no frequency cap slot: another journey sends meanwhile and the release is capped', async () => {
    const { ws, email } = await quietWorkspace({
      time_zone: 'Europe/Oslo',
      frequency_caps: [{ max_sends: 1, window_hours: 24 }],
    });
    const [contact] = (await ws.contacts(1)) as [string];
    clockAt('2026-12-14T22:00:00Z'); // 23:00 in Oslo
    const held = await mailJourney(ws, email, [contact], '2026-12-14T22:00:00Z');
    await settled(held, { 'mail/waiting': 1 });
    const atOnce = await mailJourney(ws, email, [contact], '2026-12-14T22:00:00Z', { quiet_hours: null });
    await settled(atOnce, { 'end/done': 1 });
    expect((await sendsOf(atOnce)).map((r) => r.contact_id)).toEqual([contact]);
    clockAt('2026-12-15T07:30:00Z');
    await settled(held, { 'end/done': 1 });
    expect(await sendsOf(held)).toEqual([]);
    expect(
      await waitFor(
        async () => suite.events.blocked([held]),
        (e) => e.length === 1,
      ),
    ).toEqual([`${contact}:mail:frequency_cap`]);
  });

  describe('tile KPIs', () => {
    aggregatorForSuite(suite);

    it('count a held contact Processing at the email tile until its release, then Processed', async () => {
      const { ws, email } = await quietWorkspace({ time_zone: 'Europe/Oslo' });
      const [contact] = (await ws.contacts(1)) as [string];
      clockAt('2026-12-16T22:00:00Z'); // 23:00 in Oslo
      const journey = await mailJourney(ws, email, [contact], '2026-12-16T22:00:00Z');
      const mailKpis = (until: (k: { processing: number; processed: number }) => boolean) =>
        waitFor(
          async () =>
            (await journeyTileKpis(suite.kit.env.clickhouse, { workspaceId: ws.id, journeyId: journey })).find(
              (k) => k.tileId === 'mail',
            ),
          (k) => k !== undefined && until(k),
          30_000,
        );
      expect(await mailKpis((k) => k.processing === 1)).toMatchObject({ inflow: 1, processing: 1, processed: 0 });
      clockAt('2026-12-17T07:30:00Z');
      await settled(journey, { 'end/done': 1 });
      expect(await mailKpis((k) => k.processed === 1)).toMatchObject({ inflow: 1, processing: 0, processed: 1 });
    });
  });
});
