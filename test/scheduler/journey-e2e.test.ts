import { journeyTileKpis } from '../../services/api/insights/insights-queries';
import { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { emailEvent, produce } from '../aggregator/aggregator-harness';
import { createTestEnv, testLogger, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { DAY_MS, SchedulerRig, tally, Workspace } from './scheduler-harness';

/**
 * The white-paper journey (docs/scheduler.md#example-the-white-paper-journey) on the real stack: New York subscribers →
 * white-paper email → trigger (clicked the download link within a week) → true: create lead, nurture email; false:
 * reminder email → end.
 */
describe('journey engine end to end (the white-paper journey)', () => {
  let env: TestEnv;
  let rig: SchedulerRig;
  let aggregator: ReturnType<typeof buildAggregator>;

  beforeAll(async () => {
    env = await createTestEnv('cairn_sched');
    aggregator = buildAggregator(
      loadAggregatorConfig({
        CAIRN_TOPIC_PREFIX: env.topicPrefix,
        CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
        CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
        CAIRN_AGGREGATOR_SESSION_TIMEOUT_MS: '6000',
      }),
      testLogger('aggregator'),
    );
    await aggregator.start();
    rig = await new SchedulerRig(env).start();
  });

  afterAll(async () => {
    await rig?.stop();
    await aggregator?.stop();
    await env?.cleanup();
  });

  it('clickers take the true path within seconds, the others the false path at the timeout, and the tile KPIs match', async () => {
    const ws = await new Workspace(rig.pool).create();
    const newYorkers = await ws.contacts(40, { time_zone: 'America/New_York' });
    await ws.contacts(10, { time_zone: 'Europe/Oslo' }); // not in the segment: never enter
    const segment = await ws.segment(newYorkers);
    const list = await ws.list(newYorkers);
    const [whitePaper, nurture, reminder] = [await ws.email(), await ws.email(), await ws.email()];
    const journeyId = await ws.liveJourney(
      {
        tiles: [
          { id: 'ny', type: 'segment', next: ['paper'], config: { segment_ids: [segment] } },
          { id: 'paper', type: 'email', next: ['clicked'], config: { email_id: whitePaper } },
          {
            id: 'clicked',
            type: 'trigger',
            next: ['lead', 'remind'],
            config: { email_tile_id: 'paper', condition: 'clicked_link', link_id: 'white-paper', timeout_days: 7 },
          },
          { id: 'lead', type: 'create_lead', next: ['nurture'], config: { title: 'White paper' } },
          { id: 'nurture', type: 'email', next: ['done_true'], config: { email_id: nurture } },
          { id: 'done_true', type: 'end' },
          { id: 'remind', type: 'email', next: ['done_false'], config: { email_id: reminder } },
          { id: 'done_false', type: 'end' },
        ],
      },
      { list_id: list },
    );

    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['clicked/waiting'] === 40,
      30_000,
    );
    const clickers = newYorkers.slice(0, 12);
    const engaged = {
      workspace_id: ws.id,
      email_id: whitePaper,
      journey_id: journeyId,
      tile_id: 'paper',
      iteration: 0,
    };
    // A malformed message first: it goes to the dead-letter topic and the consumer goes on.
    const producer = await BatchingProducer.connect(env.kafka);
    await producer.send({ topic: env.topics.emailEvents, key: 'junk', value: Buffer.from('not avro') });
    await producer.disconnect();
    // Machine clicks (scanners) and clicks on another link never fire the trigger.
    await produce(env.kafka, env.topics, [
      ...newYorkers.slice(12, 16).map((contact_id) =>
        emailEvent('click', {
          ...engaged,
          contact_id,
          link_id: 'white-paper',
          url: 'https://x.test/wp',
          machine: true,
          machine_reason: 'scanner',
        }),
      ),
      ...newYorkers
        .slice(16, 18)
        .map((contact_id) =>
          emailEvent('click', { ...engaged, contact_id, link_id: 'pricing', url: 'https://x.test/p' }),
        ),
    ]);
    const clickedAt = Date.now();
    await produce(
      env.kafka,
      env.topics,
      clickers.map((contact_id) =>
        emailEvent('click', { ...engaged, contact_id, link_id: 'white-paper', url: 'https://x.test/wp' }),
      ),
    );
    await waitFor(
      () => rig.positions(journeyId),
      (p) => clickers.every((c) => p.get(c) === 'done_true/done'),
      30_000,
    );
    const tookMs = Date.now() - clickedAt;
    expect(tookMs).toBeLessThan(15_000);
    expect(tally(await rig.positions(journeyId))['clicked/waiting']).toBe(28);

    rig.clock.advance(7 * DAY_MS + 60_000);
    await rig.scheduler.tick();
    const final = await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['done_false/done'] === 28,
      30_000,
    );
    expect(tally(final)).toEqual({ 'done_true/done': 12, 'done_false/done': 28 });

    const requests = await waitFor(
      () => rig.sendRequests(),
      (r) => r.length === 80,
      20_000,
    );
    expect(new Set(requests.map((r) => r.key)).size).toBe(80);
    const sentBy = (emailId: string) =>
      requests
        .filter((r) => r.email_id === emailId)
        .map((r) => r.contact_id)
        .sort();
    expect(sentBy(whitePaper)).toEqual([...newYorkers].sort());
    expect(sentBy(nurture)).toEqual([...clickers].sort());
    expect(sentBy(reminder)).toEqual(newYorkers.slice(12).sort());
    expect(requests.every((r) => r.list_id === list && r.key === `${journeyId}:${r.tile_id}:0:${r.contact_id}`)).toBe(
      true,
    );
    const leads = await rig.pool.query<{ contact_id: string }>('SELECT contact_id FROM leads WHERE journey_id = $1', [
      journeyId,
    ]);
    expect(leads.rows.map((r) => r.contact_id).sort()).toEqual([...clickers].sort());

    // Tile KPIs in ClickHouse equal the contacts' recorded paths.
    const expected = {
      ny: [40, 40],
      paper: [40, 40],
      clicked: [40, 40],
      lead: [12, 12],
      nurture: [12, 12],
      done_true: [12, 12],
      remind: [28, 28],
      done_false: [28, 28],
    };
    await waitFor(() => rig.outboxEmpty(), Boolean, 20_000);
    const kpis = await waitFor(
      () => journeyTileKpis(env.clickhouse, { workspaceId: ws.id, journeyId }),
      (tiles) =>
        Object.entries(expected).every(([id, [inflow, processed]]) =>
          tiles.some((t) => t.tileId === id && t.inflow === inflow && t.processed === processed),
        ),
      30_000,
    );
    const trigger = kpis.find((t) => t.tileId === 'clicked');
    expect(trigger).toMatchObject({ processing: 0, blocked: 0, failed: 0, paths: { true: 12, false: 28 } });
    expect(kpis.every((t) => t.processing === 0)).toBe(true);
  });
});
