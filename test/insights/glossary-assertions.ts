import { tileContactIds, tileContacts, type TileContactsFilter } from '../../services/api/insights/tile-contacts';
import {
  INTERACTION_KPI_NAMES,
  messageTimeline,
  recipientsOf,
  type RecipientFilter,
} from '../../services/api/insights/email-interactions';
import { sql } from '../../lib/platform/clickhouse/sql';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';
import { KPI_VIEWS, rebuildKpiFromRaw } from '../../lib/domain/kpis/kpi-rebuild';
import {
  emailInsights,
  journeyTileKpis,
  responsesOverTime,
  topLinks,
  type QueryRunner,
} from '../../services/api/insights/insights-queries';
import { GLOSSARY_EMAIL_KPIS, GLOSSARY_TILES } from './glossary-stream.fixture';

/** One assertion set for the glossary stream, run on ClickHouse 18.16 and on current ClickHouse (chdb). */
export async function expectGlossaryKpis(ch: QueryRunner, ws: string): Promise<void> {
  const filter = { workspaceId: ws, emailId: 'g1' };
  expect(await emailInsights(ch, filter)).toEqual(GLOSSARY_EMAIL_KPIS);
  // click-through rate counts links only, not the attachment
  expect(
    (await topLinks(ch, filter)).map((l) => [l.linkId, l.totalClicks, l.uniqueClicks, l.clickThroughRate]),
  ).toEqual([
    ['L1', 2, 1, 1],
    ['L2', 1, 1, 1],
  ]);
  expect(await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg' })).toEqual(GLOSSARY_TILES);
  const second = await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg', iteration: 2 });
  expect(second.map((t) => [t.tileId, t.inflow, t.blocked, t.paths])).toEqual([
    ['S', 1, 1, {}],
    ['T', 1, 0, { yes: 1 }],
  ]);
}

/** Days are the workspace's time zone: 23:30 UTC on 1 March is 2 March in Oslo. */
export async function expectWorkspaceDays(ch: QueryRunner, ws: string): Promise<void> {
  const filter = { workspaceId: ws, emailId: 'g1' };
  const utc = await responsesOverTime(ch, filter);
  expect(utc).toEqual([
    { day: '2026-03-01', opened: 2, openedUnique: 1, clicked: 3, clickedUnique: 1, forwarded: 5, unsubscribed: 1 },
  ]);
  expect((await responsesOverTime(ch, { ...filter, timeZone: 'Europe/Oslo' })).map((d) => d.day)).toEqual([
    '2026-03-02',
  ]);
  const march2 = new Date(Date.UTC(2026, 2, 2));
  // with a day range too: the rows' local day must not shadow the UTC day column the range filters
  expect(
    await responsesOverTime(ch, {
      ...filter,
      from: new Date(Date.UTC(2026, 2, 1)),
      to: new Date(Date.UTC(2026, 2, 1)),
    }),
  ).toEqual(utc);
  expect(
    (await responsesOverTime(ch, { ...filter, from: march2, to: march2, timeZone: 'Europe/Oslo' })).map((d) => d.day),
  ).toEqual(['2026-03-02']);
  expect((await emailInsights(ch, { ...filter, from: march2, to: march2, timeZone: 'Europe/Oslo' })).sent).toBe(10);
  expect((await emailInsights(ch, { ...filter, from: march2, to: march2 })).sent).toBe(0);
  expect(
    (await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg', from: march2, timeZone: 'Europe/Oslo' }))[0]?.inflow,
  ).toBe(4);
  await expect(emailInsights(ch, { ...filter, timeZone: "UTC') OR 1=1 --" })).rejects.toThrow(/time zone/);
}

/** The backfill after migration 0090 and the erasure rebuild replay the views' own SELECTs over events_raw. */
export async function expectRebuildFromRaw(ch: ClickHouseCommands, ws: string): Promise<void> {
  const glossaryViews = KPI_VIEWS.filter((view) => view.table.endsWith('_glossary'));
  for (const kpi of glossaryViews) {
    await rebuildKpiFromRaw(ch, kpi, sql`workspace_id = ${ws}`, sql`workspace_id = ${ws}`);
  }
  await expectGlossaryKpis(ch, ws);
  // a second replay of the tables the KPIs read, without deleting first, merges by event_id: nothing counted twice
  for (const kpi of glossaryViews) await rebuildKpiFromRaw(ch, kpi, sql`workspace_id = ${ws}`);
  await expectGlossaryKpis(ch, ws);
}

/** Each Interactions list holds exactly the messages its KPI counts (same stream, same definitions). */
export async function expectRecipientsMatchKpis(ch: QueryRunner, ws: string): Promise<void> {
  const filter = { workspaceId: ws, emailId: 'g1' };
  const list = (kpi: string, extra: Partial<RecipientFilter> = {}) =>
    recipientsOf(ch, { ...filter, kpi, limit: 1000, ...extra });
  const card = GLOSSARY_EMAIL_KPIS;
  const expected: Record<string, number> = {
    sent: card.sent,
    delivered: card.delivered,
    did_not_open: card.didNotOpen,
    blocked: card.blocked,
    bounced: card.bouncedTotal,
    bounced_hard: card.bouncedHard,
    bounced_soft: card.bouncedSoft,
    bounced_other: card.bouncedOther,
    opened: card.openedUnique,
    clicked: card.clickedUnique,
    attachment_viewed: card.attachmentViewsUnique,
    forwarded: card.forwardSubmissions,
    unsubscribed: card.unsubscribed,
    complained: card.feedbackLoops,
    sending_failed: card.sendingFailed,
  };
  expect(Object.keys(expected).sort()).toEqual([...INTERACTION_KPI_NAMES].sort());
  for (const [kpi, count] of Object.entries(expected)) expect([kpi, (await list(kpi)).length]).toEqual([kpi, count]);

  expect(await list('forwarded')).toEqual([
    {
      contactId: 'c-m3',
      messageId: 'm3',
      firstAt: '2026-03-01 23:30:00',
      lastAt: '2026-03-01 23:30:00',
      events: 1,
      units: 5,
      details: [],
    },
  ]);
  expect((await list('clicked'))[0]).toMatchObject({ messageId: 'm3', events: 3, details: ['L1', 'L2'] });
  expect((await list('clicked', { linkId: 'L2' }))[0]).toMatchObject({ messageId: 'm3', events: 1 });
  expect((await list('unsubscribed'))[0]).toMatchObject({ events: 2, details: ['one_click', 'subscription_center'] });
  expect((await list('bounced_hard')).map((r) => r.messageId)).toEqual(['m2', 'm7']);
  expect((await list('complained')).map((r) => r.messageId)).toEqual(['m6', 'm8']);
  expect((await list('did_not_open')).map((r) => r.messageId)).toEqual(['m11', 'm12', 'm4', 'm5', 'm6', 'm8']);

  // keyset paging: two at a time, every message once, in order
  const pages: string[] = [];
  let after: RecipientFilter['after'];
  for (;;) {
    const page = await list('sent', { limit: 3, after });
    pages.push(...page.map((r) => r.messageId));
    const last = page[page.length - 1];
    if (page.length < 3 || !last) break;
    after = { contactId: last.contactId, messageId: last.messageId };
  }
  expect(pages).toEqual((await list('sent')).map((r) => r.messageId));
  expect(new Set(pages).size).toBe(card.sent);

  const timeline = await messageTimeline(ch, { ...filter, messageId: 'm3' });
  expect(timeline.map((e) => e.eventType).sort()).toEqual([
    'click',
    'click',
    'click',
    'click',
    'forward',
    'open',
    'open',
    'send',
    'unsubscribe',
    'unsubscribe',
  ]);
  expect(await messageTimeline(ch, { workspaceId: 'other', emailId: 'g1', messageId: 'm3' })).toEqual([]);
}

/** Each tile state's contact list has as many (contact, iteration) rows as its tile KPI counts. */
export async function expectTileContactsMatchKpis(ch: QueryRunner, ws: string): Promise<void> {
  const base = { workspaceId: ws, journeyId: 'jg', limit: 1000 };
  const list = (tileId: string, state: string, extra: Partial<TileContactsFilter> = {}) =>
    tileContacts(ch, { ...base, tileId, state, ...extra });
  for (const tile of GLOSSARY_TILES) {
    const counts = {
      inflow: tile.inflow,
      processing: tile.processing,
      blocked: tile.blocked,
      failed: tile.failed,
      processed: tile.processed,
    };
    for (const [state, count] of Object.entries(counts))
      expect([tile.tileId, state, (await list(tile.tileId, state)).length]).toEqual([tile.tileId, state, count]);
    for (const [path, count] of Object.entries(tile.paths))
      expect((await list(tile.tileId, 'path', { pathId: path })).length).toBe(count);
  }
  expect(await list('S', 'blocked')).toEqual([
    { contactId: 'c1', iteration: 2, at: '2026-03-01 23:30:00', details: ['unsubscribed'] },
  ]);
  expect((await list('S', 'inflow')).map((r) => [r.contactId, r.iteration])).toEqual([
    ['c1', 1],
    ['c1', 2],
    ['c2', 1],
    ['c3', 1],
  ]);
  expect(
    (await list('S', 'inflow', { limit: 2, after: { contactId: 'c1', iteration: 2 } })).map((r) => [
      r.contactId,
      r.iteration,
    ]),
  ).toEqual([
    ['c2', 1],
    ['c3', 1],
  ]);
  expect((await list('T', 'processing', { iteration: 2 })).map((r) => r.contactId)).toEqual(['c1']);
  // a saved segment holds contacts, once however many iterations
  expect(await tileContactIds(ch, { ...base, tileId: 'T', state: 'path', pathId: 'yes' })).toEqual(['c1']);
  expect(await tileContactIds(ch, { ...base, tileId: 'S', state: 'inflow' })).toEqual(['c1', 'c2', 'c3']);
}

/** An account filter: the same definitions over a subset of contacts (the views' SELECT over their raw events). */
export async function expectContactSubset(ch: QueryRunner, ws: string): Promise<void> {
  const filter = { workspaceId: ws, emailId: 'g1', contactIds: ['c-m3', 'c-m7'] };
  const zero = Object.fromEntries(
    Object.entries(GLOSSARY_EMAIL_KPIS).map(([key, value]) => [key, typeof value === 'number' ? 0 : {}]),
  );
  expect(await emailInsights(ch, filter)).toEqual({
    ...zero,
    // m3 (sent, opened, clicked, attachment, five-friend forward, two unsubscribe methods) and m7 (suppressed: hard bounce)
    targeted: 2,
    sent: 2,
    delivered: 1,
    bouncedHard: 1,
    bouncedTotal: 1,
    openedTotal: 2,
    openedUnique: 1,
    clickedTotal: 3,
    clickedUnique: 1,
    attachmentViewsTotal: 1,
    attachmentViewsUnique: 1,
    forwarded: 5,
    forwardSubmissions: 1,
    unsubscribed: 1,
    unsubscribedByMethod: { one_click: 1, subscription_center: 1 },
  });
  expect(await emailInsights(ch, { ...filter, contactIds: [] })).toEqual(zero);
  const march2 = new Date(Date.UTC(2026, 2, 2));
  expect((await emailInsights(ch, { ...filter, from: march2, to: march2, timeZone: 'Europe/Oslo' })).sent).toBe(2);
  expect((await emailInsights(ch, { ...filter, from: march2, to: march2 })).sent).toBe(0);
  expect((await topLinks(ch, filter)).map((l) => l.linkId)).toEqual(['L1', 'L2']);
  expect(await responsesOverTime(ch, { ...filter, contactIds: ['c-m7'] })).toEqual([]);
  expect((await recipientsOf(ch, { ...filter, kpi: 'sent', limit: 10 })).map((r) => r.messageId)).toEqual(['m3', 'm7']);
  const tiles = await journeyTileKpis(ch, { workspaceId: ws, journeyId: 'jg', contactIds: ['c1'] });
  expect(tiles.map((t) => [t.tileId, t.inflow, t.processed, t.blocked, t.processing, t.paths])).toEqual([
    ['S', 2, 1, 1, 0, {}],
    ['T', 2, 0, 0, 2, { yes: 2 }],
  ]);
  expect(
    (
      await tileContacts(ch, {
        workspaceId: ws,
        journeyId: 'jg',
        tileId: 'S',
        state: 'inflow',
        contactIds: ['c2'],
        limit: 10,
      })
    ).length,
  ).toBe(1);
}
