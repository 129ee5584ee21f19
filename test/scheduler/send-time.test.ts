import { emailEvent } from '../aggregator/aggregator-harness';
import { client, createWorkspace } from '../api/api-test-kit';
import { ingestRows } from '../insights/glossary-stream.fixture';
import { waitFor } from '../support/wait-for';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { emailTileHolds } from './email-tile-holds';
import { Workspace } from './scheduler-harness';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Wednesday 16 December 2026, 09:00 in Oslo (UTC+1): when the contacts reach the email tile. */
const ARRIVAL = '2026-12-16T08:00:00Z';

/**
 * Issue 26, part 7: send-time optimisation on an email tile (docs/scheduler.md#send-time-optimisation). Contacts in
 * Oslo with opens and clicks in ClickHouse reach the tile at 09:00 there: each is held until its best local hour
 * within the tile's maximum delay, never inside quiet hours, and sent then; machine opens count for nothing; the
 * delays are events and insights; a bad setting is a 422 naming the field.
 */
describe('send-time optimisation', () => {
  const suite = JourneyEventsKit.forSuite();
  aggregatorForSuite(suite);

  const { mailJourney: journeyAround, settled, sendsOf, heldUntil, clockAt } = emailTileHolds(suite);

  /** Human opens at these UTC hours on the 1st to 5th of December (and machine opens at 02:00, ignored). */
  async function history(ws: string, contact: string, utcHours: number[]): Promise<void> {
    const at = (day: number, hour: number) => Date.UTC(2026, 11, day, hour, 5);
    const event = (time: number, machine = false) =>
      emailEvent('open', {
        workspace_id: ws,
        contact_id: contact,
        email_id: 'old',
        message_id: `m-${contact}`,
        event_time: time,
        machine,
      });
    const events = [1, 2, 3, 4, 5].flatMap((day) => [
      ...utcHours.map((h) => event(at(day, h))),
      event(at(day, 2), true),
      event(at(day, 2), true),
    ]);
    await suite.kit.env.clickhouse.insert('events_ingest', ingestRows(events));
  }

  async function setup(settings: Record<string, unknown> = {}): Promise<{ ws: Workspace; email: string; key: string }> {
    const { id, key } = await createWorkspace(suite.kit, 'send-time');
    const res = await client(suite.kit, key)('PATCH', '/v1/workspace', { time_zone: 'Europe/Oslo', ...settings });
    expect(res.statusCode).toBe(200);
    const ws = new Workspace(suite.rig.pool, id);
    return { ws, email: await ws.email(), key };
  }

  const mailJourney = (ws: Workspace, email: string, members: string[], maxDelayHours: number) =>
    journeyAround(
      ws,
      email,
      members,
      ARRIVAL,
      {},
      { send_time: { mode: 'optimised', max_delay_hours: maxDelayHours } },
    );

  /** Within the first ten minutes of the hour starting at `iso` (the spread of a best hour's sends). */
  const inHour = (due: number | undefined, iso: string): boolean =>
    due !== undefined && due >= Date.parse(iso) && due < Date.parse(iso) + 10 * MINUTE_MS;

  it('sends a contact whose opens were at 15:00 in Oslo at 15:00 there, and the delay is an event and an insight', async () => {
    const { ws, email, key } = await setup();
    const [afternoon] = (await ws.contacts(1, { time_zone: 'Europe/Oslo' })) as [string];
    await history(ws.id, afternoon, [14]); // 15:00 in Oslo
    clockAt(ARRIVAL);
    const journey = await mailJourney(ws, email, [afternoon], 24);
    await settled(journey, { 'mail/waiting': 1 });
    const due = (await heldUntil(journey)).get(afternoon);
    expect(inHour(due, '2026-12-16T14:00:00Z')).toBe(true);
    expect(await sendsOf(journey)).toEqual([]);

    clockAt('2026-12-16T14:10:00Z');
    await settled(journey, { 'end/done': 1 });
    const [sent] = await sendsOf(journey);
    expect(sent?.contact_id).toBe(afternoon);
    expect(sent?.requested_at).toBeGreaterThanOrEqual(due ?? Infinity);

    const delayed = await waitFor(
      async () =>
        suite.events.journeyEvents().filter((e) => e.type === 'send_time_delayed' && e.data.journey_id === journey),
      (found) => found.length === 1,
      30_000,
    );
    expect(delayed[0]?.data).toMatchObject({
      contact_id: afternoon,
      tile_id: 'mail',
      reason: 'send_time',
      source: 'contact',
    });
    const minutes = Math.round(((due ?? 0) - Date.parse(ARRIVAL)) / MINUTE_MS);
    expect(
      Math.abs(Number((delayed[0]?.data as { delay_minutes?: number }).delay_minutes) - minutes),
    ).toBeLessThanOrEqual(1);
    const insights = await waitFor(
      async () => (await client(suite.kit, key)('GET', `/v1/insights/journeys/${journey}/send-time`)).json(),
      (body) => body.tiles?.[0]?.delayed === 1,
      30_000,
    );
    expect(insights.tiles[0]).toMatchObject({ tile_id: 'mail', delayed: 1, by_source: { contact: 1 } });
    expect(Math.abs(insights.tiles[0].average_delay_hours - minutes / 60)).toBeLessThan(0.05);
    expect(insights.tiles[0].max_delay_hours).toBeCloseTo(insights.tiles[0].average_delay_hours, 6);
    const other = await createWorkspace(suite.kit, 'send-time-other');
    const foreign = await client(suite.kit, other.key)('GET', `/v1/insights/journeys/${journey}/send-time`);
    expect(foreign.statusCode).toBe(404);
  });

  it('keeps to the maximum delay: a best hour beyond it is not waited for, a nearer one is', async () => {
    const { ws, email } = await setup();
    const [late, near] = (await ws.contacts(2, { time_zone: 'Europe/Oslo' })) as [string, string];
    await history(ws.id, late, [14]); // 15:00 in Oslo: 6 hours after arrival
    await history(ws.id, near, [10]); // 11:00 in Oslo: 2 hours after
    clockAt(ARRIVAL);
    const journey = await mailJourney(ws, email, [late, near], 3);
    await settled(journey, { 'mail/waiting': 1, 'end/done': 1 });
    expect((await sendsOf(journey)).map((r) => r.contact_id)).toEqual([late]);
    const due = (await heldUntil(journey)).get(near);
    expect(inHour(due, '2026-12-16T10:00:00Z')).toBe(true);
    expect((due ?? Infinity) - Date.parse(ARRIVAL)).toBeLessThanOrEqual(3 * HOUR_MS);
  });

  it("falls back to the workspace's best hour for a contact without history of its own", async () => {
    const { ws, email } = await setup();
    const [known, fresh] = (await ws.contacts(2, { time_zone: 'Europe/Oslo' })) as [string, string];
    await history(ws.id, known, [10]); // the workspace's opens: 11:00 in Oslo
    clockAt(ARRIVAL);
    const journey = await mailJourney(ws, email, [known, fresh], 24);
    await settled(journey, { 'mail/waiting': 2 });
    expect(inHour((await heldUntil(journey)).get(fresh), '2026-12-16T10:00:00Z')).toBe(true);
    const sources = await waitFor(
      async () =>
        suite.events
          .journeyEvents()
          .flatMap((e) => (e.type === 'send_time_delayed' && e.data.journey_id === journey ? [e.data] : [])),
      (found) => found.length === 2,
      30_000,
    );
    expect(Object.fromEntries(sources.map((d) => [d.contact_id, d.source]))).toEqual({
      [known]: 'contact',
      [fresh]: 'workspace',
    });
  });

  it('never picks an hour inside quiet hours: the best hour outside them, else at once', async () => {
    const { ws, email } = await setup({ quiet_hours: { start: '21:00', end: '08:00' } });
    const [evening, night] = (await ws.contacts(2, { time_zone: 'Europe/Oslo' })) as [string, string];
    await history(ws.id, evening, [21, 21, 21, 18]); // most at 22:00 in Oslo (quiet), then 19:00
    await history(ws.id, night, [21]); // only 22:00
    clockAt(ARRIVAL);
    const journey = await mailJourney(ws, email, [evening, night], 24);
    await settled(journey, { 'mail/waiting': 1, 'end/done': 1 });
    expect((await sendsOf(journey)).map((r) => r.contact_id)).toEqual([night]);
    expect(inHour((await heldUntil(journey)).get(evening), '2026-12-16T18:00:00Z')).toBe(true);
  });

  it('refuses a bad send_time at the error check with a 422 naming the field', async () => {
    const { ws, email, key } = await setup();
    const api = client(suite.kit, key);
    for (const [bad, field] of [
      [{ mode: 'optimised', max_delay_hours: 0 }, 'graph.tiles[1].config.send_time.max_delay_hours'],
      [{ mode: 'optimised', max_delay_hours: 169 }, 'graph.tiles[1].config.send_time.max_delay_hours'],
      [{ mode: 'optimised', max_delay_hours: 24, fallback_hour: 24 }, 'graph.tiles[1].config.send_time.fallback_hour'],
      [{ mode: 'soon', max_delay_hours: 24 }, 'graph.tiles[1].config.send_time.mode'],
    ] as const) {
      const graph = {
        tiles: [
          { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [await ws.segment([])] } },
          { id: 'mail', type: 'email', next: ['end'], config: { email_id: email, send_time: bad } },
          { id: 'end', type: 'end' },
        ],
      };
      const created = await api('POST', '/v1/journeys', {
        name: 'sto',
        graph,
        settings: { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' },
      });
      expect(created.statusCode).toBe(201);
      const refused = await api('POST', `/v1/journeys/${created.json().id}/go-live`);
      expect([field, refused.statusCode]).toEqual([field, 422]);
      expect(refused.json().errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    }
  });
});
