import type { EmailKpis, TileKpis } from '../../services/api/insights/insights-queries';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { toRawRow } from '../../services/aggregator/event-row';
import { emailEvent, tileEvent } from '../aggregator/aggregator-harness';

/** 23:30 UTC on 1 March 2026: already 2 March in Europe/Oslo (UTC+1), so time-zone days are visible. */
export const GLOSSARY_TIME = Date.UTC(2026, 2, 1, 23, 30);

/**
 * The known stream of issue 14: one message per glossary case, with what its definition in docs/kpis.md says it
 * must count as. Every event at GLOSSARY_TIME.
 */
export function glossaryStream(ws: string): CairnEvent[] {
  const at = (m: string, extra: Record<string, unknown> = {}) => ({
    workspace_id: ws,
    email_id: 'g1',
    journey_id: 'jg',
    message_id: m,
    contact_id: `c-${m}`,
    event_time: GLOSSARY_TIME,
    ...extra,
  });
  const tile = (
    tileId: string,
    tileType: string,
    contact: string,
    iteration: number,
    extra: Record<string, unknown> = {},
  ) => ({
    workspace_id: ws,
    journey_id: 'jg',
    tile_id: tileId,
    tile_type: tileType,
    contact_id: contact,
    iteration,
    event_time: GLOSSARY_TIME,
    ...extra,
  });
  return [
    // m1: two soft bounce reports for one message (a DSN and a webhook)
    emailEvent('send', at('m1')),
    emailEvent('bounce', at('m1', { bounce_class: 'soft', enhanced_status: '4.2.2', diagnostic: 'DSN: mailbox full' })),
    emailEvent(
      'bounce',
      at('m1', { bounce_class: 'soft', enhanced_status: '4.2.2', diagnostic: 'webhook: mailbox full' }),
    ),
    // m2: two reports of different classes for one message: one bounced message
    emailEvent('send', at('m2')),
    emailEvent('bounce', at('m2', { bounce_class: 'hard', enhanced_status: '5.1.1' })),
    emailEvent('bounce', at('m2', { bounce_class: 'other', diagnostic: 'remote bounce' })),
    // m3: the engaged recipient: opens, clicks, an attachment, a five-friend forward, two unsubscribe methods
    emailEvent('send', at('m3')),
    emailEvent('open', at('m3')),
    emailEvent('open', at('m3')),
    emailEvent('click', at('m3', { link_id: 'L1', url: 'https://x.test/1' })),
    emailEvent('click', at('m3', { link_id: 'L1', url: 'https://x.test/1' })),
    emailEvent('click', at('m3', { link_id: 'L2', url: 'https://x.test/2' })),
    emailEvent('click', at('m3', { link_id: 'A1', url: 'https://x.test/brochure.pdf', link_kind: 'attachment' })),
    emailEvent('forward', at('m3', { friend_count: 5 })),
    emailEvent('unsubscribe', at('m3', { method: 'one_click' })),
    emailEvent('unsubscribe', at('m3', { method: 'subscription_center' })),
    // m4: opened by a machine only (Apple Mail privacy proxy)
    emailEvent('send', at('m4')),
    emailEvent('open', at('m4', { machine: true, machine_reason: 'apple_mpp' })),
    // m5: an ARF report of type not-spam; m6: a spam complaint (abuse)
    emailEvent('send', at('m5')),
    emailEvent('complaint', at('m5', { feedback_type: 'not-spam' })),
    emailEvent('send', at('m6')),
    emailEvent('complaint', at('m6', { feedback_type: 'abuse' })),
    // m7: an attempt to an address suppressed by a hard bounce, as the sender emits it (no send)
    emailEvent(
      'bounce',
      at('m7', { bounce_class: 'hard', diagnostic: 'suppressed: address hard-bounced on 2026-02-10' }),
    ),
    // m8: an attempt to a complaint-suppressed address written as blocked (older sender shape)
    emailEvent('blocked', at('m8', { reason: 'suppressed_complaint' })),
    // m9: blocked for the contact's preference
    emailEvent('blocked', at('m9', { reason: 'do_not_bulk_email' })),
    // m10: failed in the sender; m11: failed, retried, sent
    emailEvent('sending_failed', at('m10', { error_code: 'SMTP_DOWN' })),
    emailEvent('sending_failed', at('m11', { error_code: 'SMTP_DOWN' })),
    emailEvent('send', at('m11')),
    // m12: delivered, nothing else
    emailEvent('send', at('m12')),
    // a contact re-entering a recurring journey: iteration 2, reported twice
    tileEvent('tile_inflow', tile('S', 'segment', 'c1', 1)),
    tileEvent('tile_processed', tile('S', 'segment', 'c1', 1)),
    tileEvent('tile_inflow', tile('S', 'segment', 'c1', 2)),
    tileEvent('tile_inflow', tile('S', 'segment', 'c1', 2)),
    tileEvent('tile_blocked', tile('S', 'segment', 'c1', 2, { reason: 'unsubscribed' })),
    tileEvent('tile_inflow', tile('S', 'segment', 'c2', 1)),
    tileEvent('tile_processed', tile('S', 'segment', 'c2', 1)),
    tileEvent('tile_inflow', tile('S', 'segment', 'c3', 1)),
    tileEvent('tile_failed', tile('S', 'segment', 'c3', 1, { error_code: 'INTERNAL' })),
    tileEvent('tile_inflow', tile('T', 'trigger', 'c1', 1)),
    tileEvent('tile_path_taken', tile('T', 'trigger', 'c1', 1, { path_id: 'yes' })),
    tileEvent('tile_inflow', tile('T', 'trigger', 'c1', 2)),
    tileEvent('tile_path_taken', tile('T', 'trigger', 'c1', 2, { path_id: 'yes' })),
    tileEvent('tile_path_taken', tile('T', 'trigger', 'c1', 2, { path_id: 'yes' })),
    tileEvent('tile_inflow', tile('T', 'trigger', 'c2', 1)),
    tileEvent('tile_path_taken', tile('T', 'trigger', 'c2', 1, { path_id: 'no' })),
  ];
}

/** The aggregator's insert rows (events_ingest) for events, as its fast path would write them. */
export const ingestRows = (events: CairnEvent[]) =>
  events.map((event, i) => ({ ...toRawRow(event), kafka_topic: 'glossary', kafka_partition: 0, kafka_offset: i }));

/** Expected values, each written from the definitions (docs/kpis.md), message by message. */
export const GLOSSARY_EMAIL_KPIS: EmailKpis = {
  // Sent includes bounced messages and leaves blocked ones out: m1-m8, m11, m12 (m7 and m8 are suppressed
  // attempts shown as a hard bounce / a feedback loop); m9 blocked; m10 failed (beside Sent, not in it)
  sent: 10,
  blocked: 1,
  targeted: 11,
  blockedByReason: { do_not_bulk_email: 1 },
  // per message: m1 soft (two reports), m2 hard and other (two reports, one message), m7 hard (suppressed)
  bouncedHard: 2,
  bouncedSoft: 1,
  bouncedOther: 1,
  bouncedTotal: 3,
  // Delivered = Sent – TotalBounced = 10 - 3
  delivered: 7,
  openedTotal: 2,
  openedUnique: 1,
  // delivered with no (human) open: m4 (machine only), m5, m6, m8, m11, m12
  didNotOpen: 6,
  machineOnlyOpened: 1,
  machineOpens: 1,
  machineClicks: 0,
  // links only; the attachment view is its own KPI
  clickedTotal: 3,
  clickedUnique: 1,
  attachmentViewsTotal: 1,
  attachmentViewsUnique: 1,
  // the friends' addresses submitted: five from one submission
  forwarded: 5,
  forwardSubmissions: 1,
  // at most one unsubscribe per message, methods as a breakdown
  unsubscribed: 1,
  unsubscribedByMethod: { one_click: 1, subscription_center: 1 },
  subscriptionSubmitted: 0,
  // spam complaints: m6, and m8's attempt to a complaint-suppressed address; not-spam recorded, not counted
  feedbackLoops: 2,
  feedbackReportsNotCounted: { 'not-spam': 1 },
  sendingFailed: 1,
  generatedLeads: 0,
};

/** Tile KPIs count the contacts that entered the tile, per iteration (c1 twice: iterations 1 and 2). */
export const GLOSSARY_TILES: TileKpis[] = [
  {
    tileId: 'S',
    tileType: 'segment',
    inflow: 4,
    processing: 0,
    blocked: 1,
    blockedByReason: { unsubscribed: 1 },
    failed: 1,
    processed: 2,
    paths: {},
  },
  {
    tileId: 'T',
    tileType: 'trigger',
    inflow: 3,
    processing: 3,
    blocked: 0,
    blockedByReason: {},
    failed: 0,
    processed: 0,
    paths: { yes: 2, no: 1 },
  },
];
