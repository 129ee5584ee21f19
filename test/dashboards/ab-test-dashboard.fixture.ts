import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { emailEvent, tileEvent } from '../aggregator/aggregator-harness';
import type { GrafanaScope } from './grafana-binding';

/*
 * An A/B test tile for the journey tiles dashboard's A/B panels (docs/kpis.md#ab-test), in its own workspace and
 * journey so the other dashboards' numbers stay the glossary stream's: tile AB of journey jab sent variant ga to
 * c-40 and c-41 and variant gb to c-42 and c-43; c-40, c-42 and c-43 opened (c-41's open is a machine's), c-43
 * clicked; email tile E of the same journey sent ga to c-44 (one email: not an A/B tile). The decision was relayed
 * twice (the same event id). What the panels must answer is written from the definitions, never from running them.
 */
const WS = 'wab';
const JOURNEY = 'jab';
const AT = Date.UTC(2026, 2, 10, 12, 0);

export function abTestStream(): CairnEvent[] {
  const on = (email: string, m: string, contact: string, tile = 'AB', extra: Record<string, unknown> = {}) => ({
    workspace_id: WS, email_id: email, journey_id: JOURNEY, tile_id: tile, message_id: m, contact_id: contact, event_time: AT, ...extra,
  });
  const decided = tileEvent('ab_test_decided', {
    event_id: 'ab-decision', event_time: AT + 3_600_000, workspace_id: WS, contact_id: '', journey_id: JOURNEY, tile_id: 'AB',
    tile_type: 'ab_test', iteration: 0, reason: 'significant', metric: 'unique_opens', winner_variant: 1, winner_label: 'B',
    winner_email_id: 'gb',
  });
  return [
    emailEvent('send', on('ga', 'm40', 'c-40')),
    emailEvent('send', on('ga', 'm41', 'c-41')),
    emailEvent('send', on('gb', 'm42', 'c-42')),
    emailEvent('send', on('gb', 'm43', 'c-43')),
    emailEvent('send', on('ga', 'm44', 'c-44', 'E')),
    emailEvent('open', on('ga', 'm40', 'c-40')),
    emailEvent('open', on('ga', 'm41', 'c-41', 'AB', { machine: true, machine_reason: 'scanner' })),
    emailEvent('open', on('gb', 'm42', 'c-42')),
    emailEvent('open', on('gb', 'm43', 'c-43')),
    emailEvent('open', on('ga', 'm44', 'c-44', 'E')),
    emailEvent('click', on('gb', 'm43', 'c-43', 'AB', { link_id: 'L1', url: 'https://x.test/1' })),
    decided,
    decided,
  ];
}

/** The A/B panels' scope: the fixture's workspace and journey over March and April 2026 by day. */
export const abScope: GrafanaScope = {
  from: new Date(Date.UTC(2026, 2, 1)), to: new Date(Date.UTC(2026, 3, 2)), intervalSeconds: 86_400, variables: { workspace_id: WS, journey_id: JOURNEY, contact_id: '' },
};

export const AB_PANELS: Record<string, Record<string, string | number>[]> = {
  // Sent 2 each; ga: one human open (c-41's is a machine's), gb: two opens and one click
  'A/B test variants (test and winner sends)': [
    { tile_id: 'AB', email_id: 'ga', sent: 2, unique_opens: 1, unique_clicks: 0, open_rate: 0.5, click_rate: 0 },
    { tile_id: 'AB', email_id: 'gb', sent: 2, unique_opens: 2, unique_clicks: 1, open_rate: 1, click_rate: 0.5 },
  ],
  'A/B test decisions': [
    { time: '2026-03-10 13:00:00', tile_id: 'AB', iteration: 0, winner: 'B', reason: 'significant', metric: 'unique_opens', winner_email_id: 'gb' },
  ],
};
