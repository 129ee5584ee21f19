import { client, createWorkspace } from '../api/api-test-kit';
import { produce } from '../aggregator/aggregator-harness';
import type { JourneyGraph } from '../../lib/domain/journeys/journey-graph';
import { recordWebActivity } from '../../services/scheduler/web-activity';
import { waitFor } from '../support/wait-for';
import { formSubmitted, insertForm, insertPage } from './inbound-kit';
import { JourneyEventsKit } from './journey-events-kit';
import { DAY_MS, tally, Workspace } from './scheduler-harness';

/**
 * Issue 24, inbound journeys: a form tile enters the contacts who submit its form, once per iteration, under the
 * journey's entry rules (docs/scheduler.md#inbound-journeys), and the API refuses forms and pages it cannot use.
 */
describe('form tile', () => {
  const suite = JourneyEventsKit.forSuite();

  /** signup form → welcome email → end; plus a segment tile into the same email (a journey may mix entries). */
  const graph = (formId: string, segmentId: string, welcome: string): JourneyGraph => ({
    tiles: [
      { id: 'signup', type: 'form', next: ['welcome'], config: { form_id: formId } },
      { id: 'members', type: 'segment', next: ['welcome'], config: { segment_ids: [segmentId] } },
      { id: 'welcome', type: 'email', next: ['end'], config: { email_id: welcome } },
      { id: 'end', type: 'end' },
    ],
  });

  it('a submission enters its contact once at the form tile and the welcome email is requested; the entry rules apply', async () => {
    const rig = suite.rig;
    const ws = await new Workspace(rig.pool).create();
    const [a, b, member] = await ws.contacts(3, { consent_level: 1 });
    const [lowConsent, erased] = [...(await ws.contacts(1)), ...(await ws.contacts(1, { consent_level: 1 }))];
    const stranger = (await new Workspace(rig.pool).create().then((other) => other.contacts(1)))[0]!;
    const form = await insertForm(rig.pool, ws.id);
    const otherForm = await insertForm(rig.pool, ws.id);
    const welcome = await ws.email();
    const journeyId = await ws.liveJourney(graph(form, await ws.segment([member!]), welcome), { min_consent: 1 });
    // the same form in a journey that has not started yet: nobody enters it
    const later = await ws.liveJourney(graph(form, await ws.segment([]), welcome), {
      start_at: new Date(Date.now() + DAY_MS).toISOString(),
    });
    await rig.pool.query(
      `INSERT INTO contact_erasures (workspace_id, contact_id, requested_by_key_id) VALUES ($1, $2, 'test')`,
      [ws.id, erased],
    );
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(member!) === 'end/done',
    );
    const events = [
      formSubmitted(ws.id, a!, form),
      formSubmitted(ws.id, b!, form),
      formSubmitted(ws.id, b!, form), // a second submission
      formSubmitted(ws.id, member!, form), // already entered from the segment tile
      formSubmitted(ws.id, lowConsent!, form), // below the journey's minimum consent: blocked at the form tile
      formSubmitted(ws.id, erased!, form),
      formSubmitted(ws.id, stranger, form), // another workspace's contact named in this workspace's event
      formSubmitted(ws.id, (await ws.contacts(1, { consent_level: 1 }))[0]!, otherForm),
    ];
    await produce(suite.kit.env.kafka, suite.kit.env.topics, events);
    const expected = { [a!]: 'end/done', [b!]: 'end/done', [member!]: 'end/done', [lowConsent!]: 'signup/blocked' };
    const positions = await waitFor(
      () => rig.positions(journeyId),
      (p) => Object.entries(expected).every(([id, at]) => p.get(id) === at),
      30_000,
    );
    expect(Object.fromEntries(positions)).toEqual(expected);
    expect((await rig.positions(later)).size).toBe(0);

    // A redelivery of the whole batch (what Kafka does after a crash before the commit) adds nothing.
    const again = await recordWebActivity(rig.pool, events, rig.clock.now());
    expect(again).toEqual({ woken: [], outbox: false });
    expect(Object.fromEntries(await rig.positions(journeyId))).toEqual(expected);

    const requests = (await rig.sendRequests()).filter((r) => r.journey_id === journeyId);
    expect(requests.map((r) => r.contact_id).sort()).toEqual([a, b, member].sort());
    expect(new Set(requests.map((r) => r.key)).size).toBe(3);
    const inflow = await waitFor(
      () =>
        Promise.resolve(
          suite.events
            .journeyEvents()
            .filter((e) => e.type === 'tile_inflow' && e.data.journey_id === journeyId && e.data.tile_id === 'signup'),
        ),
      (found) => found.length === 3,
    );
    expect(inflow.map((e) => e.data.contact_id).sort()).toEqual([a, b, lowConsent].sort());
  });

  it('a paced journey queues its submitters at the form tile and admits them at its rate', async () => {
    const rig = suite.rig;
    const ws = await new Workspace(rig.pool).create();
    const contacts = await ws.contacts(3);
    const form = await insertForm(rig.pool, ws.id);
    const journeyId = await ws.liveJourney(graph(form, await ws.segment([]), await ws.email()), {
      entry_pacing: { max_contacts: 2, per: 'day' },
    });
    await produce(
      suite.kit.env.kafka,
      suite.kit.env.topics,
      contacts.map((c) => formSubmitted(ws.id, c, form)),
    );
    await waitFor(
      () => rig.positions(journeyId),
      (p) => p.size === 3,
      30_000,
    );
    await rig.scheduler.tick();
    const settled = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['end/done'] === 2,
    );
    expect(tally(settled)).toEqual({ 'end/done': 2, 'signup/waiting': 1 });
  });

  it('the API refuses a form or page that is not the workspace’s (422 naming graph.tiles[i].config.<field>), and go-live a form that is not live', async () => {
    const { id, key } = await createWorkspace(suite.kit, 'inbound');
    const api = client(suite.kit, key);
    const pool = suite.kit.pool;
    const form = await insertForm(pool, id, 'draft');
    const page = await insertPage(pool, id);
    const foreign = await insertForm(pool, (await createWorkspace(suite.kit, 'other')).id);
    const settings = { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' };
    const body = (formId: unknown, pageId: unknown) => ({
      name: 'inbound',
      settings,
      graph: {
        tiles: [
          { id: 'signup', type: 'form', next: ['visited'], config: { form_id: formId } },
          { id: 'end', type: 'end' },
          {
            id: 'visited',
            type: 'trigger',
            next: ['end', 'end'],
            config: { condition: 'page_visited', page_id: pageId, timeout_days: 1 },
          },
        ],
      },
    });
    for (const [formId, pageId, field] of [
      ['not-a-uuid', page, 'graph.tiles[0].config.form_id'],
      [foreign, page, 'graph.tiles[0].config.form_id'],
      [form, foreign, 'graph.tiles[2].config.page_id'],
      [form, null, 'graph.tiles[2].config.page_id'],
    ] as const) {
      const refused = await api('POST', '/v1/journeys', body(formId, pageId));
      expect([formId, refused.statusCode]).toEqual([formId, 422]);
      expect(refused.json().errors).toEqual([{ field, message: expect.any(String) }]);
    }
    const created = await api('POST', '/v1/journeys', body(form, page));
    expect(created.statusCode).toBe(201);
    const journey = created.json().id as string;
    const draft = await api('POST', `/v1/journeys/${journey}/go-live`);
    expect(draft.statusCode).toBe(422);
    expect(draft.json().errors).toEqual([
      { field: 'graph.tiles[0].config.form_id', message: expect.stringContaining('is draft') },
    ]);
    await pool.query(`UPDATE forms SET status = 'live', live_version = 1 WHERE id = $1`, [form]);
    expect((await api('POST', `/v1/journeys/${journey}/go-live`)).statusCode).toBe(200);
  });
});
