import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { abConfigOf, abVariantOf } from '../../lib/domain/journeys/ab-test';
import type { JourneyGraph, Tile } from '../../lib/domain/journeys/journey-graph';
import { client, createWorkspace } from '../api/api-test-kit';
import { produce } from '../aggregator/aggregator-harness';
import { journeyEmailEvent } from '../support/journey-email-event';
import { waitFor } from '../support/wait-for';
import { sql } from '../../lib/platform/clickhouse/sql';
import { journeyTileKpis } from '../../services/api/insights/insights-queries';
import { aggregatorForSuite, JourneyEventsKit } from './journey-events-kit';
import { SchedulerRig, tally, Workspace } from './scheduler-harness';

const HOUR_MS = 3_600_000;

/**
 * Issue 26, part 4: the A/B test tile (docs/scheduler.md#ab-test). Half of 400 contacts are tested with emails A and
 * B; B's recipients open far more often (their send and open events produced to Kafka, as the sender and ingest
 * would). The test picks B by significance, once; the waiting half is sent B; the decision is a milestone and one
 * `ab_test_decided` event; a tick of a new scheduler decides nothing more. Without significance, the fallback
 * decides when the window ends. The insights and the error check.
 */
describe('A/B test tile', () => {
  const suite = JourneyEventsKit.forSuite();
  aggregatorForSuite(suite);
  const tileKpis = (workspaceId: string, journeyId: string) =>
    journeyTileKpis(suite.kit.env.clickhouse, { workspaceId, journeyId }).then((tiles) =>
      tiles.find((k) => k.tileId === 'mail'),
    );

  const abTile = (a: string, b: string, config: Record<string, unknown>): Tile => ({
    // 'mail': the tile journeyEmailEvent's events name
    id: 'mail',
    type: 'ab_test',
    next: ['end'],
    config: {
      variants: [
        { email_id: a, label: 'A' },
        { email_id: b, label: 'B' },
      ],
      metric: 'unique_opens',
      ...config,
    },
  });
  const graph = (segmentId: string, tile: Tile): JourneyGraph => ({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segmentId] } },
      tile,
      { id: 'end', type: 'end' },
    ],
  });

  /** A live journey through the A/B tile; resolves when the tested are at the end and the rest wait at the tile. */
  async function started(name: string, n: number, config: Record<string, unknown>) {
    const { rig, kit } = suite;
    const { id, key } = await createWorkspace(kit, name);
    const ws = new Workspace(rig.pool, id);
    const contacts = await ws.contacts(n);
    const [a, b] = [await ws.email(), await ws.email()];
    const tile = abTile(a, b, config);
    const journeyId = await ws.liveJourney(graph(await ws.segment(contacts), tile));
    const parsed = abConfigOf(tile);
    const variantOf = new Map(contacts.map((c) => [c, abVariantOf(parsed, journeyId, 'mail', c)]));
    const tested = contacts.filter((c) => variantOf.get(c) !== null);
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['end/done'] === tested.length && tally(p)['mail/waiting'] === n - tested.length,
      60_000,
    );
    return { ws, key, contacts, emails: [a, b], journeyId, variantOf, tested };
  }

  const decisions = async (journeyId: string) =>
    (
      await suite.rig.pool.query<{ winner: number | null; reason: string | null; decided: boolean }>(
        'SELECT winner, reason, decided_at IS NOT NULL AS decided FROM journey_ab_decisions WHERE journey_id = $1',
        [journeyId],
      )
    ).rows;
  const decidedEvents = (journeyId: string) =>
    suite.events.journeyEvents().filter((e) => e.type === 'ab_test_decided' && e.data.journey_id === journeyId);

  it('picks a planted better variant by significance, once, and sends every waiting contact the winner', async () => {
    const { rig, kit } = suite;
    const N = 400;
    const t = await started('ab-planted', N, {
      test_share: 0.5,
      duration_hours: 48,
      min_sample: 40,
      settle_minutes: 30,
    });
    // the tested got their variant's email, the rest nothing yet
    const first = (await rig.sendRequests()).filter((r) => r.journey_id === t.journeyId);
    expect(first.map((r) => r.contact_id).sort()).toEqual([...t.tested].sort());
    for (const r of first) expect(r.email_id).toBe(t.emails[t.variantOf.get(r.contact_id) as number]);
    expect(await decisions(t.journeyId)).toEqual([{ winner: null, reason: null, decided: false }]);
    // the tile KPIs: the waiting contacts are Processing at the A/B tile
    const testing = await waitFor(
      () => tileKpis(t.ws.id, t.journeyId),
      (k) => k?.processed === t.tested.length,
      30_000,
    );
    expect(testing).toMatchObject({
      inflow: N,
      processed: t.tested.length,
      processing: N - t.tested.length,
      blocked: 0,
    });

    // planted: every tested message sent; B's recipients open 3 in 5, A's 1 in 10
    const events: CairnEvent[] = [];
    const byVariant = [0, 1].map((v) => t.tested.filter((c) => t.variantOf.get(c) === v));
    for (const [v, group] of byVariant.entries())
      group.forEach((contactId, i) => {
        const on = { workspaceId: t.ws.id, journeyId: t.journeyId, contactId };
        events.push(journeyEmailEvent('send', on, {}));
        if (v === 1 ? i % 5 < 3 : i % 10 === 0) events.push(journeyEmailEvent('open', on, {}));
      });
    await produce(kit.env.kafka, kit.env.topics, events);

    // every send and open recorded, but no send is settle_minutes old yet: significance waits for them to settle
    const engaged = async (kind: string) =>
      (
        await rig.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM journey_engagements WHERE journey_id = $1 AND kind = $2',
          [t.journeyId, kind],
        )
      ).rows[0]?.n;
    await waitFor(
      () => engaged('delivered'),
      (n) => n === t.tested.length,
      30_000,
    );
    await waitFor(
      () => engaged('opened'),
      (n) => n === events.length - t.tested.length,
      30_000,
    );
    await rig.scheduler.tick();
    expect(await decisions(t.journeyId)).toEqual([{ winner: null, reason: null, decided: false }]);
    rig.clock.advance(31 * 60_000);

    const done = await waitFor(
      () => rig.positions(t.journeyId),
      (p) => tally(p)['end/done'] === N,
      60_000,
    );
    expect(tally(done)).toEqual({ 'end/done': N });
    expect(await decisions(t.journeyId)).toEqual([{ winner: 1, reason: 'significant', decided: true }]);

    // the waiting contacts were all sent B, once
    const all = (await rig.sendRequests()).filter((r) => r.journey_id === t.journeyId);
    const waited = t.contacts.filter((c) => t.variantOf.get(c) === null).sort();
    const later = all.filter((r) => !t.tested.includes(r.contact_id));
    expect(later.map((r) => r.contact_id).sort()).toEqual(waited);
    expect(new Set(later.map((r) => r.email_id))).toEqual(new Set([t.emails[1]]));
    expect(all).toHaveLength(N);

    // one event and one milestone, also after more ticks and a tick of a second scheduler (a restart)
    await waitFor(
      async () => decidedEvents(t.journeyId),
      (found) => found.length >= 1,
      30_000,
    );
    await rig.scheduler.tick();
    const second = await new SchedulerRig(kit.env).start();
    try {
      await second.scheduler.tick();
    } finally {
      await second.stop();
    }
    await waitFor(
      () => rig.outboxEmpty(),
      (empty) => empty,
      20_000,
    );
    const decided = decidedEvents(t.journeyId);
    expect(new Set(decided.map((e) => e.data.event_id)).size).toBe(1);
    expect(decided[0]?.data).toMatchObject({
      tile_id: 'mail',
      tile_type: 'ab_test',
      contact_id: '',
      reason: 'significant',
      metric: 'unique_opens',
      winner_variant: 1,
      winner_label: 'B',
      winner_email_id: t.emails[1],
    });
    // through the aggregator: the decision in events_raw once, every contact processed at the tile
    const raw = await waitFor(
      () =>
        kit.env.clickhouse.rows<{ events: string; tile_id: string; reason: string }>(
          sql`SELECT uniqExact(event_id) AS events, any(tile_id) AS tile_id, any(reason) AS reason FROM events_raw
              WHERE workspace_id = ${t.ws.id} AND event_type = 'ab_test_decided'`,
        ),
      (rows) => Number(rows[0]?.events) > 0,
      30_000,
    );
    expect(raw).toEqual([{ events: '1', tile_id: 'mail', reason: 'significant' }]);
    const after = await waitFor(
      () => tileKpis(t.ws.id, t.journeyId),
      (k) => k?.processed === N,
      30_000,
    );
    expect(after).toMatchObject({ inflow: N, processed: N, processing: 0, blocked: 0 });
    const milestones = await rig.pool.query<{ note: string }>(
      `SELECT note FROM journey_milestones WHERE journey_id = $1 AND status = 'ab_test_decided'`,
      [t.journeyId],
    );
    expect(milestones.rows).toHaveLength(1);
    expect(milestones.rows[0]?.note).toMatch(/variant B won \(significant/);

    // the insights: the planted counts, B ahead and significant, everyone else sent B
    const res = await client(kit, t.key)('GET', `/v1/insights/journeys/${t.journeyId}/tiles/mail/ab`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const opensOf = (group: string[], every: (i: number) => boolean) => group.filter((_, i) => every(i)).length;
    expect(body.variants.map((v: { sent: number }) => v.sent)).toEqual(byVariant.map((g) => g.length));
    expect(body.variants.map((v: { unique_opens: number }) => v.unique_opens)).toEqual([
      opensOf(byVariant[0]!, (i) => i % 10 === 0),
      opensOf(byVariant[1]!, (i) => i % 5 < 3),
    ]);
    expect(body.variants.map((v: { winner_sent: number }) => v.winner_sent)).toEqual([0, waited.length]);
    expect(body).toMatchObject({
      leader: 1,
      significant: true,
      decision: { winner: 1, label: 'B', reason: 'significant' },
      waiting: { contacts: 0, reason: 'ab_waiting' },
    });
    expect(body.variants[0].p_value).toBeLessThan(0.05);
    expect(body.confidence_reached).toBeGreaterThan(0.95);

    // another workspace's key: 404
    const other = await createWorkspace(kit, 'ab-other');
    const foreign = await client(kit, other.key)('GET', `/v1/insights/journeys/${t.journeyId}/tiles/mail/ab`);
    expect(foreign.statusCode).toBe(404);
    const notAb = await client(kit, t.key)('GET', `/v1/insights/journeys/${t.journeyId}/tiles/end/ab`);
    expect(notAb.statusCode).toBe(404);
  });

  it('decides by the fallback when the window ends without significance, and sends the rest the best observed', async () => {
    const { rig, kit } = suite;
    const N = 60;
    const t = await started('ab-fallback', N, { test_share: 0.5, duration_hours: 2, min_sample: 1000 });
    // one open, in B: far from significant (and the minimum sample is never reached)
    const [opener] = t.tested.filter((c) => t.variantOf.get(c) === 1);
    const on = { workspaceId: t.ws.id, journeyId: t.journeyId, contactId: opener as string };
    const sends = t.tested.map((contactId) =>
      journeyEmailEvent('send', { workspaceId: t.ws.id, journeyId: t.journeyId, contactId }, {}),
    );
    await produce(kit.env.kafka, kit.env.topics, [...sends, journeyEmailEvent('open', on, {})]);
    await waitFor(
      async () =>
        (
          await rig.pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM journey_engagements WHERE journey_id = $1 AND kind = 'opened'`,
            [t.journeyId],
          )
        ).rows[0]?.n,
      (n) => n === 1,
      30_000,
    );
    await rig.scheduler.tick();
    expect(await decisions(t.journeyId)).toEqual([{ winner: null, reason: null, decided: false }]);

    rig.clock.advance(2 * HOUR_MS + 60_000);
    await rig.scheduler.tick();
    await waitFor(
      () => rig.positions(t.journeyId),
      (p) => tally(p)['end/done'] === N,
      60_000,
    );
    expect(await decisions(t.journeyId)).toEqual([{ winner: 1, reason: 'fallback', decided: true }]);
    const later = (await rig.sendRequests()).filter(
      (r) => r.journey_id === t.journeyId && !t.tested.includes(r.contact_id),
    );
    expect(later).toHaveLength(N - t.tested.length);
    expect(new Set(later.map((r) => r.email_id))).toEqual(new Set([t.emails[1]]));
  });

  it('refuses a bad config when saved and at go-live with a 422 naming the field', async () => {
    const { kit, rig } = suite;
    const { id, key } = await createWorkspace(kit, 'ab-check');
    const ws = new Workspace(rig.pool, id);
    const segment = await ws.segment(await ws.contacts(1));
    const [a, b] = [await ws.email(), await ws.email()];
    const draft = await rig.pool.query<{ id: string }>(
      `INSERT INTO emails (workspace_id, name, status) VALUES ($1, 'draft', 'draft') RETURNING id`,
      [id],
    );
    const api = client(kit, key);
    const journey = (tile: Tile) => ({
      name: 'ab',
      graph: graph(segment, tile),
      settings: {
        target: 'contacts',
        start_at: new Date(Date.now() - 60_000).toISOString(),
        end_at: new Date(Date.now() + 86_400_000).toISOString(),
        time_zone: 'UTC',
        min_consent: 0,
      },
    });
    const fields = (res: { json(): { errors?: Array<{ field: string }> } }) =>
      (res.json().errors ?? []).map((e) => e.field);

    // saved: the shape, each field named; nothing written
    const bad = await api('POST', '/v1/journeys', journey(abTile(a, b, { test_share: 0.95, duration_hours: 0 })));
    expect(bad.statusCode).toBe(422);
    expect(fields(bad)).toEqual(['graph.tiles.mail.config.test_share', 'graph.tiles.mail.config.duration_hours']);
    const { rows } = await rig.pool.query('SELECT 1 FROM journeys WHERE workspace_id = $1', [id]);
    expect(rows).toHaveLength(0);

    // go-live: a variant's email that is not live, and a goal metric without the journey's goal
    const created = await api(
      'POST',
      '/v1/journeys',
      journey(abTile(a, draft.rows[0]!.id, { test_share: 0.5, duration_hours: 24, metric: 'goal' })),
    );
    expect(created.statusCode).toBe(201);
    const res = await api('POST', `/v1/journeys/${created.json().id}/go-live`);
    expect(res.statusCode).toBe(422);
    expect(fields(res)).toEqual(
      expect.arrayContaining(['graph.tiles.mail.config.variants[1].email_id', 'graph.tiles.mail.config.metric']),
    );
  });
});
