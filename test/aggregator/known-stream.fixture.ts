import type { CountryKpis, EmailKpis, TileKpis } from '../../services/api/insights/insights-queries';
import { emailEvent, tileEvent } from './aggregator-harness';

const DAY = 86_400_000;

/**
 * The known stream of the issue: duplicates by event_id, machine events, out-of-order times, two schema versions;
 * opens and clicks from two countries (the v1 clicks have none: unknown).
 */
export function knownStream(ws: string) {
  const base = { workspace_id: ws, email_id: 'e1', journey_id: 'j1' };
  const at = (m: string, c: string, extra: Record<string, unknown> = {}) => ({
    ...base,
    message_id: m,
    contact_id: c,
    ...extra,
  });
  const dupOpen = emailEvent('open', at('m1', 'c1', { country: 'DE' }));
  const events = [
    emailEvent('send', at('m1', 'c1')),
    emailEvent('send', at('m2', 'c2')),
    emailEvent('send', at('m3', 'c3')),
    emailEvent('send', at('m4', 'c4', { email_version: 2, journey_id: 'j2' })),
    emailEvent('blocked', at('m5', 'c5', { reason: 'do_not_bulk_email' })),
    emailEvent('blocked', at('m6', 'c6', { reason: 'invalid_address' })),
    emailEvent('bounce', at('m3', 'c3', { bounce_class: 'hard' })),
    emailEvent('bounce', at('m4', 'c4', { bounce_class: 'soft', email_version: 2, journey_id: 'j2' })),
    dupOpen,
    dupOpen,
    emailEvent('open', at('m1', 'c1', { event_time: Date.now() - 3 * DAY, country: 'DE' })),
    emailEvent('open', at('m2', 'c2', { country: 'FR' })),
    emailEvent('open', at('m2', 'c2', { machine: true, machine_reason: 'apple_mpp', country: 'US' })),
    emailEvent('click', at('m1', 'c1', { link_id: 'L1', url: 'https://x.test/1', country: 'DE' })),
    emailEvent('click', at('m1', 'c1', { link_id: 'L2', url: 'https://x.test/2', country: 'FR' })),
    emailEvent('click', at('m2', 'c2', { link_id: 'L1', url: 'https://x.test/1', machine: true, country: 'US' })),
    emailEvent('forward', at('m1', 'c1')),
    emailEvent('unsubscribe', at('m2', 'c2')),
    emailEvent('unsubscribe', at('m2', 'c2')),
    emailEvent('subscription_submitted', at('m1', 'c1')),
    emailEvent('complaint', at('m2', 'c2')),
    emailEvent('sending_failed', at('m7', 'c7')),
    emailEvent('lead_generated', at('m1', 'c1')),
    tileEvent('tile_inflow', { workspace_id: ws, journey_id: 'j1', tile_id: 'T1', contact_id: 'c1' }),
    tileEvent('tile_inflow', { workspace_id: ws, journey_id: 'j1', tile_id: 'T1', contact_id: 'c2' }),
    tileEvent('tile_inflow', { workspace_id: ws, journey_id: 'j1', tile_id: 'T1', contact_id: 'c3' }),
    tileEvent('tile_processed', { workspace_id: ws, journey_id: 'j1', tile_id: 'T1', contact_id: 'c1' }),
    tileEvent('tile_blocked', {
      workspace_id: ws,
      journey_id: 'j1',
      tile_id: 'T1',
      contact_id: 'c2',
      reason: 'unsubscribed',
    }),
    tileEvent('tile_inflow', {
      workspace_id: ws,
      journey_id: 'j1',
      tile_id: 'T2',
      tile_type: 'trigger',
      contact_id: 'c1',
    }),
    tileEvent('tile_path_taken', {
      workspace_id: ws,
      journey_id: 'j1',
      tile_id: 'T2',
      tile_type: 'trigger',
      contact_id: 'c1',
      path_id: 'yes',
    }),
  ];
  // Written with the older click schema (v1): the consumer resolves it to v2.
  const v1Click = emailEvent('click', at('m2', 'c2', { link_id: 'L1', url: 'https://x.test/1' }));
  const lateClick = emailEvent(
    'click',
    at('m1', 'c1', { link_id: 'L1', url: 'https://x.test/1', event_time: Date.now() - 2 * DAY }),
  );
  return { events, v1Events: [v1Click, lateClick], total: events.length + 2, distinct: events.length + 1 };
}

/** What the definitions (docs/kpis.md) say the known stream must yield for email e1 (all journeys, all days). */
export const EXPECTED_EMAIL_KPIS: EmailKpis = {
  targeted: 6,
  sent: 4,
  delivered: 2,
  blocked: 2,
  blockedByReason: { do_not_bulk_email: 1, invalid_address: 1 },
  bouncedHard: 1,
  bouncedSoft: 1,
  bouncedOther: 0,
  bouncedTotal: 2,
  openedTotal: 3,
  openedUnique: 2,
  didNotOpen: 0,
  machineOnlyOpened: 0,
  clickedTotal: 4,
  clickedUnique: 2,
  attachmentViewsTotal: 0,
  attachmentViewsUnique: 0,
  forwarded: 1,
  forwardSubmissions: 1,
  unsubscribed: 1,
  unsubscribedByMethod: { one_click: 1 },
  subscriptionSubmitted: 1,
  feedbackLoops: 1,
  feedbackReportsNotCounted: {},
  sendingFailed: 1,
  generatedLeads: 1,
  machineOpens: 1,
  machineClicks: 1,
};

/**
 * Opens and clicks of e1 by country: human only (the machine open and click from US are not there); the v1 clicks
 * have no country. Totals add up to the card's (3 opens, 4 clicks); m1 clicked from DE and FR and again with no
 * country is a unique click in each.
 */
export const EXPECTED_GEOGRAPHY: CountryKpis[] = [
  {
    country: 'DE',
    openedTotal: 2,
    openedUnique: 1,
    clickedTotal: 1,
    clickedUnique: 1,
    attachmentViewsTotal: 0,
    attachmentViewsUnique: 0,
  },
  {
    country: 'FR',
    openedTotal: 1,
    openedUnique: 1,
    clickedTotal: 1,
    clickedUnique: 1,
    attachmentViewsTotal: 0,
    attachmentViewsUnique: 0,
  },
  {
    country: null,
    openedTotal: 0,
    openedUnique: 0,
    clickedTotal: 2,
    clickedUnique: 2,
    attachmentViewsTotal: 0,
    attachmentViewsUnique: 0,
  },
];

export const EXPECTED_TILES: TileKpis[] = [
  {
    tileId: 'T1',
    tileType: 'email',
    inflow: 3,
    processing: 1,
    blocked: 1,
    blockedByReason: { unsubscribed: 1 },
    failed: 0,
    processed: 1,
    paths: {},
  },
  {
    tileId: 'T2',
    tileType: 'trigger',
    inflow: 1,
    processing: 1,
    blocked: 0,
    blockedByReason: {},
    failed: 0,
    processed: 0,
    paths: { yes: 1 },
  },
];
