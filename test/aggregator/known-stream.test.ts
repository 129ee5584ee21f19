import { sql } from '../../lib/platform/clickhouse/sql';
import {
  emailGeography,
  emailInsights,
  journeyTileKpis,
  topLinks,
  contactTimeline,
  contactsWhoDid,
  responsesOverTime,
} from '../../services/api/insights/insights-queries';
import type { buildAggregator } from '../../services/aggregator/aggregator.app';
import { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { clickhouseLoginEnv } from '../support/clickhouse-users';
import { TopicReader } from '../support/topic-reader';
import { createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { codec, emailEvent, produce, rawCounts, recountEmail, startAggregator, tileEvent } from './aggregator-harness';
import { EXPECTED_EMAIL_KPIS, EXPECTED_GEOGRAPHY, EXPECTED_TILES, knownStream } from './known-stream.fixture';

describe('aggregator over a known stream', () => {
  let env: TestEnv;
  let aggregator: ReturnType<typeof buildAggregator>;
  const ws = uniqueName('ws');

  beforeAll(async () => {
    env = await createTestEnv('cairn_agg');
    // The aggregator writes as its own ClickHouse user, as in production (issue 20, defect 3).
    aggregator = await startAggregator(
      env,
      uniqueName('agg'),
      clickhouseLoginEnv((await env.clickhouseLogins()).aggregator),
    );
  });

  afterAll(async () => {
    await aggregator?.stop();
    await env?.cleanup();
  });

  it('yields exactly the expected KPIs, equal to the recount from raw events', async () => {
    const stream = knownStream(ws);
    await produce(env.kafka, env.topics, stream.events);
    await produce(env.kafka, env.topics, stream.v1Events, 1);
    await waitFor(
      () => rawCounts(env.clickhouse),
      (c) => c.rows >= stream.total,
      30_000,
    );

    const kpis = await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e1' });
    expect(kpis).toEqual(EXPECTED_EMAIL_KPIS);
    const recount = await recountEmail(env.clickhouse, ws, 'e1');
    expect(kpis.openedTotal).toBe(recount.open?.events);
    expect(kpis.openedUnique).toBe(recount.open?.messages);
    expect(kpis.clickedTotal).toBe(recount.click?.events);
    expect(kpis.sent).toBe(recount.send?.events);

    const j1 = await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e1', journeyId: 'j1' });
    expect([j1.sent, j1.bouncedSoft, j1.delivered]).toEqual([3, 0, 2]);
    const today = await emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e1', from: new Date() });
    expect([today.openedTotal, today.openedUnique, today.clickedTotal]).toEqual([2, 2, 3]);

    const links = await topLinks(env.clickhouse, { workspaceId: ws, emailId: 'e1' });
    expect(links).toEqual([
      { linkId: 'L1', url: 'https://x.test/1', totalClicks: 3, uniqueClicks: 2, clickThroughRate: 1 },
      { linkId: 'L2', url: 'https://x.test/2', totalClicks: 1, uniqueClicks: 1, clickThroughRate: 0.5 },
    ]);
    const days = await responsesOverTime(env.clickhouse, { workspaceId: ws, emailId: 'e1' });
    expect(days.map((d) => [d.opened, d.clicked])).toEqual([
      [1, 0],
      [0, 1],
      [2, 3],
    ]);
    expect(await emailGeography(env.clickhouse, { workspaceId: ws, emailId: 'e1' })).toEqual(EXPECTED_GEOGRAPHY);
    const todayByCountry = await emailGeography(env.clickhouse, {
      workspaceId: ws,
      emailId: 'e1',
      journeyId: 'j1',
      from: new Date(),
    });
    expect(todayByCountry.map((c) => [c.country, c.openedTotal, c.clickedTotal])).toEqual([
      ['DE', 1, 1],
      ['FR', 1, 1],
      [null, 0, 1],
    ]);

    const tiles = await journeyTileKpis(env.clickhouse, { workspaceId: ws, journeyId: 'j1' });
    expect(tiles).toEqual(EXPECTED_TILES);
    const timeline = await contactTimeline(env.clickhouse, { workspaceId: ws, contactId: 'c1' });
    expect(timeline.byType.open).toBe(2);
    expect(new Set(timeline.entries.map((e) => e.eventId)).size).toBe(timeline.entries.length);
    expect(
      await contactsWhoDid(env.clickhouse, { workspaceId: ws, eventType: 'open', emailId: 'e1', withinDays: 1 }),
    ).toEqual(['c1', 'c2']);
    expect(
      await contactsWhoDid(env.clickhouse, { workspaceId: ws, eventType: 'click', emailId: 'e1', withinDays: 1 }),
    ).toEqual(['c1', 'c2']);
  });

  it('binds every parameter: hostile ids match nothing instead of changing the query', async () => {
    const hostile = `${ws}' OR '1'='1`;
    const kpis = await emailInsights(env.clickhouse, { workspaceId: hostile, emailId: "e1') OR 1=1 --" });
    expect([kpis.targeted, kpis.openedTotal]).toEqual([0, 0]);
    expect(
      await contactsWhoDid(env.clickhouse, {
        workspaceId: ws,
        eventType: 'open',
        emailId: "x' OR ''='",
        withinDays: 1,
      }),
    ).toEqual([]);
    expect((await contactTimeline(env.clickhouse, { workspaceId: ws, contactId: "c1\\' OR 1=1 --" })).entries).toEqual(
      [],
    );
    await expect(
      contactsWhoDid(env.clickhouse, { workspaceId: ws, eventType: "open' --" as never, withinDays: 1 }),
    ).rejects.toThrow();
  });

  it('dead-letters a poison message with its origin and processes the next one', async () => {
    const next = emailEvent('open', { workspace_id: ws, email_id: 'e-poison', message_id: 'mp', contact_id: 'cp' });
    const producer = await BatchingProducer.connect(env.kafka);
    // Valid Avro whose event_time no row can hold (beyond JavaScript's dates): also a poison message.
    const timeless = emailEvent('open', {
      workspace_id: ws,
      email_id: 'e-poison',
      message_id: 'mq',
      contact_id: 'cp',
      event_time: 9e15,
    });
    // encodeOwn: the encoder now refuses such a time itself (lib/contracts/events/event-ranges.ts); this one reached Kafka anyway.
    for (const value of [Buffer.from('not avro at all'), codec.encodeOwn(timeless), codec.encode(next)]) {
      await producer.send({ topic: env.topics.emailEvents, key: 'cp', value });
    }
    await producer.disconnect();

    const dead = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
    try {
      await waitFor(
        () => dead.raw.length,
        (n) => n >= 2,
        30_000,
      );
      const letters = dead.raw.map((record) => record.headers);
      expect(letters[0]).toMatchObject({
        'x-original-topic': env.topics.emailEvents,
        'x-error-code': 'EVENT_BAD_MAGIC',
      });
      expect(letters[1]).toMatchObject({ 'x-original-topic': env.topics.emailEvents, 'x-error-code': 'EVENT_INVALID' });
      expect(letters[0]?.['x-original-offset']).toMatch(/^\d+$/);
      const kpis = await waitFor(
        () => emailInsights(env.clickhouse, { workspaceId: ws, emailId: 'e-poison' }),
        (k) => k.openedTotal === 1,
        30_000,
      );
      expect(kpis.openedUnique).toBe(1);
      // the dead-letter recorder puts both in ClickHouse for the pipeline-health dashboard, with their origin
      const recorded = await waitFor(
        () =>
          env.clickhouse.rows<{ original_topic: string; original_offset: string; error_code: string }>(sql`
          SELECT original_topic, original_offset, error_code FROM dead_letters ORDER BY original_offset`),
        (rows) => rows.length >= 2,
        30_000,
      );
      expect(recorded.map((row) => [row.original_topic, row.original_offset, row.error_code])).toEqual([
        [env.topics.emailEvents, letters[0]?.['x-original-offset'], 'EVENT_BAD_MAGIC'],
        [env.topics.emailEvents, letters[1]?.['x-original-offset'], 'EVENT_INVALID'],
      ]);
    } finally {
      await dead.stop();
    }
  });

  it('writes an envelope of tile events whole, and dead-letters a whole envelope one of whose events cannot be read', async () => {
    const tile = (type: 'tile_inflow' | 'tile_processed', contact_id: string, tile_id: string) =>
      codec.encode(tileEvent(type, { workspace_id: ws, journey_id: 'j-envelope', tile_id, contact_id }));
    const whole = codec.encodeBatch('ce1', [
      tile('tile_inflow', 'ce1', 'A'),
      tile('tile_processed', 'ce1', 'A'),
      tile('tile_inflow', 'ce1', 'B'),
    ]);
    const broken = codec.encodeBatch('ce2', [tile('tile_inflow', 'ce2', 'A'), Buffer.from('not avro at all')]);
    const producer = await BatchingProducer.connect(env.kafka);
    for (const [key, value] of [
      ['ce2', broken],
      ['ce1', whole],
    ] as const)
      await producer.send({ topic: env.topics.journeyEvents, key, value });
    await producer.disconnect();
    const tiles = await waitFor(
      () => journeyTileKpis(env.clickhouse, { workspaceId: ws, journeyId: 'j-envelope' }),
      (rows) => rows.some((row) => row.tileId === 'B'),
      30_000,
    );
    // ce2's inflow at A was in the broken envelope: not counted; ce1's three events all are
    expect(tiles.map((row) => [row.tileId, row.inflow, row.processed]).sort()).toEqual([
      ['A', 1, 1],
      ['B', 1, 0],
    ]);
    const dead = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
    try {
      await waitFor(
        () => dead.raw.filter((record) => record.headers['x-original-topic'] === env.topics.journeyEvents),
        (letters) => letters.length === 1,
        30_000,
      );
    } finally {
      await dead.stop();
    }
  });
});
