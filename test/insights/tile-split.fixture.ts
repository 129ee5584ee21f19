import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { FEEDBACK_TYPES } from '../../lib/domain/bounces/feedback-types';
import { recipientsOf } from '../../services/api/insights/email-interactions';
import { emailKpisByTile, tilesWithEmailKpis } from '../../services/api/insights/email-tile-kpis';
import { emailGeography, emailInsights, journeyTileKpis } from '../../services/api/insights/insights-queries';
import type { EmailKpis, QueryRunner } from '../../services/api/insights/insights-queries';
import { emailEvent, tileEvent } from '../aggregator/aggregator-harness';
import { GLOSSARY_TIME } from './glossary-stream.fixture';

/**
 * One email (g2) used by two email tiles (E1, E2) of one journey (jt) (docs/kpis.md#email-kpis-per-tile), with a
 * feedback report of every ARF type (docs/kpis.md#feedback-loops). E1: t1-t5 sent, each reported with one type;
 * E2: t6 sent and opened twice, t7 sent and reported as abuse, t8 sent and hard-bounced, t9 blocked.
 */
export function tileSplitStream(ws: string): CairnEvent[] {
  const at = (m: string, tile: string, extra: Record<string, unknown> = {}) => ({
    workspace_id: ws,
    email_id: 'g2',
    journey_id: 'jt',
    tile_id: tile,
    iteration: 1,
    message_id: m,
    contact_id: `c-${m}`,
    event_time: GLOSSARY_TIME,
    ...extra,
  });
  const sent = (m: string, tile: string) => [
    tileEvent('tile_inflow', at(m, tile, { tile_type: 'email' })),
    tileEvent('tile_processed', at(m, tile, { tile_type: 'email' })),
    emailEvent('send', at(m, tile)),
  ];
  return [
    ...FEEDBACK_TYPES.flatMap((type, i) => [
      ...sent(`t${i + 1}`, 'E1'),
      emailEvent('complaint', at(`t${i + 1}`, 'E1', { feedback_type: type })),
    ]),
    ...sent('t6', 'E2'),
    emailEvent('open', at('t6', 'E2', { country: 'NO' })),
    emailEvent('open', at('t6', 'E2', { country: 'NO' })),
    ...sent('t7', 'E2'),
    emailEvent('complaint', at('t7', 'E2', { feedback_type: 'abuse' })),
    ...sent('t8', 'E2'),
    emailEvent('bounce', at('t8', 'E2', { bounce_class: 'hard', enhanced_status: '5.1.1' })),
    emailEvent('blocked', at('t9', 'E2', { reason: 'do_not_bulk_email' })),
  ];
}

/** The sum over tiles of every count of the card, and the merged by-type records. */
function sumOfCards(cards: EmailKpis[]): Record<string, unknown> {
  const sum: Record<string, unknown> = {};
  for (const card of cards)
    for (const [name, value] of Object.entries(card)) {
      if (typeof value === 'number') sum[name] = ((sum[name] as number | undefined) ?? 0) + value;
      else {
        const into = (sum[name] ?? {}) as Record<string, number>;
        for (const [k, v] of Object.entries(value as Record<string, number>)) into[k] = (into[k] ?? 0) + v;
        sum[name] = into;
      }
    }
  return sum;
}

/** Two tiles of one journey sending one email: two cards whose sum is the journey's card; a tile filter gives each. */
export async function expectTileSplit(ch: QueryRunner, ws: string): Promise<void> {
  const journey = { workspaceId: ws, emailId: 'g2', journeyId: 'jt' };
  const whole = await emailInsights(ch, journey);
  // abuse (t1, t7) and fraud (t2) count; virus, other and not-spam are recorded, not counted
  expect(whole).toMatchObject({ sent: 8, blocked: 1, targeted: 9, delivered: 7, feedbackLoops: 3, bouncedHard: 1 });
  expect(whole.feedbackReportsNotCounted).toEqual({ virus: 1, other: 1, 'not-spam': 1 });
  const cards = await emailKpisByTile(ch, { workspaceId: ws, journeyId: 'jt' });
  expect([...cards.keys()]).toEqual(['E1', 'E2']);
  const [e1, e2] = [cards.get('E1'), cards.get('E2')];
  expect(e1).toMatchObject({ sent: 5, feedbackLoops: 2, openedUnique: 0, blocked: 0 });
  expect(e2).toMatchObject({ sent: 3, feedbackLoops: 1, openedTotal: 2, openedUnique: 1, bouncedHard: 1, blocked: 1 });
  // every message belongs to one tile: the tiles' figures add up to the journey's, KPI by KPI
  expect(sumOfCards([e1, e2].filter((c): c is EmailKpis => c !== undefined))).toEqual(whole);
  for (const tileId of ['E1', 'E2']) {
    expect(await emailInsights(ch, { ...journey, tileId })).toEqual(cards.get(tileId));
    const sent = await recipientsOf(ch, { ...journey, tileId, kpi: 'sent', limit: 100 });
    expect(sent.length).toBe(cards.get(tileId)?.sent);
    const complained = await recipientsOf(ch, { ...journey, tileId, kpi: 'complained', limit: 100 });
    expect(complained.length).toBe(cards.get(tileId)?.feedbackLoops);
  }
  expect((await emailGeography(ch, { ...journey, tileId: 'E2' })).map((c) => [c.country, c.openedTotal])).toEqual([
    ['NO', 2],
  ]);
  expect(await emailGeography(ch, { ...journey, tileId: 'E1' })).toEqual([]);
  // the Data panel: each email tile's Volume and its email card
  const tiles = await tilesWithEmailKpis(
    ch,
    { workspaceId: ws, journeyId: 'jt' },
    await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jt' }),
  );
  expect(tiles.map((t) => [t.tileId, t.inflow, t.email?.sent])).toEqual([
    ['E1', 5, 5],
    ['E2', 3, 3],
  ]);
  const second = await emailKpisByTile(ch, { workspaceId: ws, journeyId: 'jt', iteration: 2 });
  expect(second.size).toBe(0);
  const first = await emailKpisByTile(ch, { workspaceId: ws, journeyId: 'jt', iteration: 1 });
  expect(first).toEqual(cards);
}
