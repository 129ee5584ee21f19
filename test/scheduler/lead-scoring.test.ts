import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { JourneyGraph } from '../../lib/domain/journeys/journey-graph';
import { scoreLeads } from '../../services/scheduler/lead-scoring';
import { client, createWorkspace } from '../api/api-test-kit';
import { emailEvent, produce } from '../aggregator/aggregator-harness';
import { TopicReader } from '../support/topic-reader';
import { waitFor } from '../support/wait-for';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { tally, Workspace } from './scheduler-harness';
import { expectedScores, ledgerRecount, storedScores } from './lead-scoring-kit';

/**
 * Issue 25 parts 3 and 4: a live lead scoring model scores a contact's human events once each as they arrive
 * (docs/lead-scoring.md#scoring); the crossing emits lead_score_crossed once and wakes the contact waiting at a
 * "lead score ≥ N" trigger; a contact already there passes at once; the API checks definitions (422 naming the
 * field), keeps another workspace's models and leads out (404) and answers the insights.
 */
describe('lead scoring', () => {
  const suite = JourneyEventsKit.forSuite();
  // the crossings and the contact's interactions reach events_raw (the lead insights read them there)
  aggregatorForSuite(suite);
  let emails: TopicReader;
  beforeAll(async () => {
    emails = await new TopicReader(suite.kit.env.kafka, [suite.kit.env.topics.emailEvents]).start();
  });
  afterAll(async () => {
    await emails.stop();
  });

  const definition = {
    rules: [
      { on: 'open', points: 5, max_per_contact: 2 },
      { on: 'click', points: 10, link_id: 'offer' },
      { attribute: 'industry', equals: 'retail', points: 7 },
    ],
    half_life_days: 30,
    threshold: 30,
  };

  /** segment → wait for lead score ≥ threshold (7 days) → hot | cold */
  const graph = (segmentId: string, modelId: string): JourneyGraph => ({
    tiles: [
      { id: 'seg', type: 'segment', next: ['score'], config: { segment_ids: [segmentId] } },
      {
        id: 'score',
        type: 'trigger',
        next: ['hot', 'cold'],
        config: { condition: 'lead_score', model_id: modelId, timeout_days: 7 },
      },
      { id: 'hot', type: 'end' },
      { id: 'cold', type: 'end' },
    ],
  });

  async function liveModel(api: ReturnType<typeof client>): Promise<string> {
    const created = await api('POST', '/v1/scoring-models', { name: 'MQL', definition });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    const live = await api('POST', `/v1/scoring-models/${id}/go-live`);
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ status: 'live', live_version: 1 });
    return id;
  }

  it('scores each event once, crosses once, wakes the trigger at the threshold and passes a contact already there', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'scoring');
    const api = client(kit, key);
    const ws = new Workspace(rig.pool, id);
    const [hot, warm, early] = (await ws.contacts(3)) as [string, string, string];
    await rig.pool.query(`UPDATE contacts SET attributes = '{"industry": "retail"}' WHERE id = $1`, [hot]);
    const modelId = await liveModel(api);

    // `early` reaches the threshold before it reaches the trigger: it passes at once
    const on = (contact_id: string, more: Record<string, unknown> = {}) => ({ workspace_id: id, contact_id, ...more });
    const earlyEvents = [1, 2, 3, 4].map(() => emailEvent('click', on(early, { link_id: 'offer' })));
    await scoreLeads(rig.pool, earlyEvents, Date.now());

    const journeyId = await ws.liveJourney(graph(await ws.segment([hot, warm, early]), modelId));
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['score/waiting'] === 2 && p.get(early) === 'hot/done',
      30_000,
    );

    // hot: 7 (attribute) + 5 + 5 (third open capped) + 10 = 27, then a click: 37 ≥ 30; a machine click scores nothing
    const opens = [1, 2, 3].map(() => emailEvent('open', on(hot)));
    const first = emailEvent('click', on(hot, { link_id: 'offer' }));
    const stream: CairnEvent[] = [
      ...opens,
      emailEvent('click', on(hot, { link_id: 'other' })),
      emailEvent('click', on(hot, { link_id: 'offer', machine: true })),
      first,
      emailEvent('open', on(warm)),
    ];
    await produce(kit.env.kafka, kit.env.topics, stream);
    await produce(kit.env.kafka, kit.env.topics, [first, opens[0] as CairnEvent]); // redelivered
    const crossing = emailEvent('click', on(hot, { link_id: 'offer' }));
    await produce(kit.env.kafka, kit.env.topics, [crossing]);
    const after = await waitFor(
      () => rig.positions(journeyId),
      (p) => p.get(hot) === 'hot/done',
      30_000,
    );
    expect(after.get(warm)).toBe('score/waiting');

    const stored = await storedScores(rig.pool, modelId);
    expect(stored.get(hot)?.entries).toBe(5);
    expect(stored.get(warm)?.entries).toBe(1);
    const recount = await ledgerRecount(rig.pool, modelId, definition.half_life_days);
    for (const [contact, score] of expectedScores(stored)) expect(recount.get(contact)).toBeCloseTo(score, 6);
    expect(recount.get(hot)).toBeGreaterThan(36.99);
    expect(stored.get(hot)?.crossed).toBe(true);
    expect(stored.get(warm)?.crossed).toBe(false);

    // a second run over the same events (a redelivery after a crash) adds nothing
    await scoreLeads(rig.pool, [...stream, crossing], Date.now());
    expect((await storedScores(rig.pool, modelId)).get(hot)).toEqual(stored.get(hot));

    const crossings = await waitFor(
      async () => emails.events.filter((e) => e.type === 'lead_score_crossed' && e.data.workspace_id === id),
      (found) => found.length >= 2,
      30_000,
    );
    expect(crossings.map((e) => e.data.contact_id).sort()).toEqual([hot, early].sort());
    const hotCrossing = crossings.find((e) => e.data.contact_id === hot);
    expect(hotCrossing?.data).toMatchObject({
      model_id: modelId,
      model_version: 1,
      threshold_milli: 30_000,
      crossing_event_id: crossing.data.event_id,
    });

    // insights of the model and of a lead of the hot contact
    const insights = await api('GET', `/v1/insights/scoring-models/${modelId}`);
    expect(insights.statusCode).toBe(200);
    expect(insights.json()).toMatchObject({ version: 1, threshold: 30, leads_processed: 3, crossed: 2 });
    const buckets = insights.json().distribution as Array<{ leads: number; to: number | null }>;
    expect(buckets.reduce((sum, b) => sum + b.leads, 0)).toBe(3);
    expect(buckets.at(-1)?.leads).toBe(2);
    const { rows } = await rig.pool.query<{ id: string }>(
      `INSERT INTO leads (workspace_id, contact_id, origin, title) VALUES ($1, $2, 'form', 'Hot') RETURNING id::text`,
      [id, hot],
    );
    const lead = await api('GET', `/v1/insights/leads/${rows[0]?.id}`);
    expect(lead.statusCode).toBe(200);
    expect(lead.json()).toMatchObject({ contact_id: hot, source: { origin: 'form' } });
    expect(lead.json().scores[0]).toMatchObject({ model_id: modelId, version: 1, threshold: 30 });
    expect(lead.json().scores[0].history).toHaveLength(5);
    // its contact's human interactions, each event once (the redelivered click and open too), and its crossing
    const interactions = await waitFor(
      async () => (await api('GET', `/v1/insights/leads/${rows[0]?.id}`)).json().interactions,
      (found) => found.counts.lead_score_crossed === 1 && found.counts.click === 3,
      60_000,
    );
    expect(interactions.counts).toEqual({ open: 3, click: 3, lead_score_crossed: 1 });

    // another workspace's key sees none of it
    const other = client(kit, (await createWorkspace(kit, 'scoring-other')).key);
    for (const url of [
      `/v1/scoring-models/${modelId}`,
      `/v1/insights/scoring-models/${modelId}`,
      `/v1/insights/leads/${rows[0]?.id}`,
    ])
      expect([url, (await other('GET', url)).statusCode]).toEqual([url, 404]);
    expect((await other('POST', `/v1/scoring-models/${modelId}/stop`)).statusCode).toBe(404);
  });

  it('refuses a definition with a problem, naming its field, and a journey naming a model that is not live', async () => {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, 'scoring-check');
    const api = client(kit, key);
    const bad = await api('POST', '/v1/scoring-models', {
      name: 'bad',
      definition: { ...definition, rules: [definition.rules[0], { on: 'click', points: 'ten' }] },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([{ field: 'definition.rules[1].points', message: expect.any(String) }]);
    const empty = await api('POST', '/v1/scoring-models', { name: 'empty' });
    expect(empty.statusCode).toBe(201);
    const modelId: string = empty.json().id;
    const refused = await api('POST', `/v1/scoring-models/${modelId}/go-live`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([{ field: 'definition.rules', message: expect.any(String) }]);
    expect((await api('GET', `/v1/insights/scoring-models/${modelId}`)).statusCode).toBe(409);

    const ws = new Workspace(rig.pool, id);
    const journey = await api('POST', '/v1/journeys', {
      name: 'scored',
      graph: graph(await ws.segment([]), modelId),
      settings: { start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00Z', time_zone: 'UTC' },
    });
    expect(journey.statusCode).toBe(201);
    const goLive = await api('POST', `/v1/journeys/${journey.json().id}/go-live`);
    expect(goLive.statusCode).toBe(422);
    expect(goLive.json().errors).toEqual(
      expect.arrayContaining([{ field: 'graph.tiles[1].config.model_id', message: expect.stringContaining('draft') }]),
    );
  });
});
