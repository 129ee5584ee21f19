import { GLOSSARY_EMAIL_KPIS as G, GLOSSARY_TILES } from '../insights/glossary-stream.fixture';
import { dashboardStream, PIPELINE_FROM, PIPELINE_TO } from './dashboard-stream.fixture';
import type { GrafanaScope } from './grafana-binding';
import { PAGES_FORMS, PAGES_FORMS_VARIABLES } from './pages-forms-dashboard.fixture';
import { REDIRECT_URLS, REDIRECT_URLS_VARIABLES } from './redirect-urls-dashboard.fixture';
import { LEAD_SCORING, LEAD_SCORING_VARIABLES } from './lead-scoring-dashboard.fixture';
import { WEB_TRACKING, WEB_TRACKING_VARIABLES } from './web-tracking-dashboard.fixture';

/*
 * What every dashboard query must return over dashboard-stream.fixture.ts, written from the fixture and the KPI
 * definitions of docs/kpis.md (email g1 is the glossary stream: its KPIs are GLOSSARY_EMAIL_KPIS), never from running
 * the queries. Keys are "<file> / <panel title or variable name>"; the test fails on a query without an entry.
 */

type Row = Record<string, string | number>;

const MARCH_1 = '2026-03-01 00:00:00';
const APRIL_1 = '2026-04-01 00:00:00';
const DAY = 86_400;

/** March and April 2026 by day: the glossary stream (1 March, 23:30 UTC) and g2's summer-time events (1 April). */
export const emailScope = (variables: Record<string, string>): GrafanaScope => ({
  from: new Date(Date.UTC(2026, 2, 1)), to: new Date(Date.UTC(2026, 3, 2)), intervalSeconds: DAY, variables,
});
export const pipelineScope = (workspace: string): GrafanaScope => ({ from: PIPELINE_FROM, to: PIPELINE_TO, intervalSeconds: 60, variables: { workspace_id: workspace } });

/** ws: the glossary stream; wab: the A/B test tile's (ab-test-dashboard.fixture.ts) */
const workspaces = [{ value: 'wab', label: 'wab' }, { value: 'ws', label: 'ws' }];
const journeys = [{ value: '', label: '(all journeys)' }, { value: 'jg', label: 'jg' }];
/** g1 (the glossary stream) was sent by no tile; g2 by tiles E1 and E2 of journey jg. */
const noTiles = [{ value: '', label: '(all tiles)' }];
const g2Tiles = [...noTiles, { value: 'E1', label: 'E1' }, { value: 'E2', label: 'E2' }];
const allEmails = [{ value: '', label: '(all emails)' }, { value: 'g1', label: 'g1' }, { value: 'g2', label: 'g2' }];

// Email g1 over all its journeys: Targeted = Sent + Blocked, Delivered = Sent − TotalBounced (docs/kpis.md#identities).
const EMAIL_INSIGHTS: Record<string, Row[]> = {
  'variable workspace_id': workspaces,
  'variable email_id': [{ value: 'g1', label: 'g1' }, { value: 'g2', label: 'g2' }],
  'variable journey_id': journeys,
  'variable tile_id': noTiles,
  Delivery: [{ Targeted: G.targeted, Sent: G.sent, Delivered: G.delivered, Blocked: G.blocked, 'Bounced (total)': G.bouncedTotal, 'Sending failed': G.sendingFailed }],
  'Responses (human)': [{
    'Opened (unique)': G.openedUnique, 'Opened (total)': G.openedTotal, 'Did not open': G.didNotOpen, 'Clicked (unique)': G.clickedUnique,
    'Clicked (total)': G.clickedTotal, Forwarded: G.forwarded, Unsubscribed: G.unsubscribed, 'Subscription submitted': G.subscriptionSubmitted,
    'Feedback loops': G.feedbackLoops, 'Generated leads': G.generatedLeads,
  }],
  'Delivery funnel': [
    { stage: '1 Targeted', messages: 11 }, { stage: '2 Sent', messages: 10 }, { stage: '3 Delivered', messages: 7 },
    { stage: '4 Opened (unique)', messages: 1 }, { stage: '5 Clicked (unique)', messages: 1 },
  ],
  'Where each targeted message ended': [
    { outcome: 'Delivered', messages: 7 }, { outcome: 'Bounced (hard)', messages: 2 }, { outcome: 'Bounced (soft)', messages: 1 },
    { outcome: 'Bounced (other)', messages: 1 }, { outcome: 'Blocked', messages: 1 }, { outcome: 'Sending failed', messages: 1 },
  ],
  // m3's two opens and three link clicks (the attachment is not a click); m3 unsubscribed two ways: one message
  'Responses over time (human)': [{ time: MARCH_1, opened: 2, opened_unique: 1, clicked: 3, clicked_unique: 1, unsubscribed: 1 }],
  // one message clicked at all: each link's unique clicks ÷ 1
  'Top links (click-through rate = the link\'s unique clicks ÷ all unique clicks)': [
    { link_id: 'L1', url: 'https://x.test/1', total_clicks: 2, unique_clicks: 1, click_through_rate: 1 },
    { link_id: 'L2', url: 'https://x.test/2', total_clicks: 1, unique_clicks: 1, click_through_rate: 1 },
  ],
  'Blocked by reason': [{ reason: 'do_not_bulk_email', messages: 1 }],
  'Unsubscribed by method': [{ method: 'one_click', messages: 1 }, { method: 'subscription_center', messages: 1 }],
  'Feedback reports not counted': [{ feedback_type: 'not-spam', events: 1 }],
  'Machine traffic (kept, not in human KPIs)': [{ metric: 'open', events: 1, messages: 1 }],
  // m3 opened once from NO (where it clicked its three links) and once from SE: a unique open in each
  'Opens and clicks by country (human)': [
    { country_code: 'NO', opened_unique: 1, opened_total: 1, clicked_unique: 1, clicked_total: 3 },
    { country_code: 'SE', opened_unique: 1, opened_total: 1, clicked_unique: 0, clicked_total: 0 },
  ],
};

const [S, T] = GLOSSARY_TILES;
/** Every contact of journey jg in the fixture, as the contact picker lists them (sorted as strings). */
const JOURNEY_CONTACTS = [
  ...new Set(dashboardStream('ws').flatMap((event) => (event.data.journey_id === 'jg' && event.data.contact_id ? [event.data.contact_id] : []))),
].sort();
const tileRow = (tile: typeof S) => ({
  tile_id: tile?.tileId ?? '', tile_type: tile?.tileType ?? '', inflow: tile?.inflow ?? 0, processing: tile?.processing ?? 0,
  blocked: tile?.blocked ?? 0, failed: tile?.failed ?? 0, processed: tile?.processed ?? 0,
});

// Contacts per iteration (c1 entered S twice: iterations 1 and 2); T's paths: yes twice (c1 in iterations 1 and 2), no once.
const JOURNEY_TILES: Record<string, Row[]> = {
  'variable workspace_id': workspaces,
  'variable journey_id': [{ journey_id: 'jg' }],
  'Tile volume (processing = inflow − processed − blocked − failed)': [tileRow(S), tileRow(T)],
  'Paths taken (share of the tile\'s contacts on each path)': [
    { tile_id: 'T', path_id: 'no', contacts: 1, share: 0.3333 }, { tile_id: 'T', path_id: 'yes', contacts: 2, share: 0.6667 },
  ],
  'Blocked by reason (journey Blocked, not the email KPI)': [{ tile_id: 'S', reason: 'unsubscribed', contacts: 1 }],
  'Failed by error': [{ tile_id: 'S', error_code: 'INTERNAL', contacts: 1 }],
  'Inflow per tile over time': [{ time: MARCH_1, series: 'S', contacts: 4 }, { time: MARCH_1, series: 'T', contacts: 3 }],
  'Processed per tile over time': [{ time: MARCH_1, series: 'S', contacts: 2 }],
  'Paths taken over time': [{ time: MARCH_1, series: 'T → no', contacts: 1 }, { time: MARCH_1, series: 'T → yes', contacts: 2 }],
  // journey jg has no A/B test tile (its tiles E1 and E2 each sent one email); ab-test-dashboard.fixture.ts has one
  'A/B test variants (test and winner sends)': [],
  'A/B test decisions': [],
  // jg has no goal and no email tile: its entrants (c1 in iterations 1 and 2, c2, c3) and nothing else; the goal and
  // holdout panels' numbers are checked over a journey of their own in journey-goal-dashboard.test.ts
  'Goal progress (contacts per iteration)': [{ entered: 4, reached: 0, reached_share: 0, exited: 0 }],
  'Goal reached over time': [],
  'Holdout lift (contacts decided at an email tile)': [],
  'Send-time optimisation (contacts held until their best hour)': [],
  'Controls (contacts blocked by the cap, held by quiet hours, queued by pacing)': [],
  // contacts with any event of journey jg: g1's recipients c-m<n>, g2's c-20 and c-21, the tile contacts c1-c3
  'variable contact_id': JOURNEY_CONTACTS.map((contact_id) => ({ contact_id })),
  // iterations per state: c1 entered S in iterations 1 and 2 (processed in 1, blocked in 2) and T in both
  'Contacts at each tile (iterations per state)': [
    { tile_id: 'S', contact_id: 'c1', inflow: 2, processed: 1, blocked: 1, failed: 0 },
    { tile_id: 'S', contact_id: 'c2', inflow: 1, processed: 1, blocked: 0, failed: 0 },
    { tile_id: 'S', contact_id: 'c3', inflow: 1, processed: 0, blocked: 0, failed: 1 },
    { tile_id: 'T', contact_id: 'c1', inflow: 2, processed: 0, blocked: 0, failed: 0 },
    { tile_id: 'T', contact_id: 'c2', inflow: 1, processed: 0, blocked: 0, failed: 0 },
  ],
  // the picked contact c2: in at S, processed, in at T, took the path "no", all at the glossary time (23:30 UTC)
  'Contact timeline': ['tile_inflow:S', 'tile_inflow:T', 'tile_path_taken:T', 'tile_processed:S'].map((step) => {
    const [event_type, tile_id] = step.split(':');
    return { time: '2026-03-01 23:30:00', event_type: event_type ?? '', email_id: '', email_version: 0, journey_id: 'jg', tile_id: tile_id ?? '', url: '', reason: '', machine: 0 };
  }),
  'Contact interactions by type': [
    { event_type: 'tile_inflow', events: 2 }, { event_type: 'tile_path_taken', events: 1 }, { event_type: 'tile_processed', events: 1 },
  ],
};

// Email g1. Complaint rate = Feedback loops ÷ Delivered = 2 / 7; bounce rate = 3 / 10.
const DELIVERABILITY: Record<string, Row[]> = {
  'variable workspace_id': workspaces,
  'variable email_id': allEmails,
  'variable journey_id': journeys,
  'variable tile_id': noTiles,
  Deliverability: [{ Sent: 10, Delivered: 7, Bounced: 3, 'Bounce rate': 0.3, 'Feedback loops': 2, 'Complaint rate': 0.285714 }],
  'Complaint rate per day against the 0.3 % bulk-sender ceiling': [{ time: MARCH_1, complaint_rate: 0.285714 }],
  'Bounced messages by class over time': [{ time: MARCH_1, hard: 2, soft: 1, other: 1 }],
  // m1 (soft, two reports) and m2 (hard and other) went to bounce.test; m7 (suppressed, never sent) has no domain;
  // m3-m6, m11 and m12 went to example.com
  'Bounces by destination domain': [
    { destination_domain: 'bounce.test', messages: 2, bounced: 2, hard: 1, soft: 1, other: 1, bounce_rate: 1 },
    { destination_domain: '(unknown)', messages: 1, bounced: 1, hard: 1, soft: 0, other: 0, bounce_rate: 1 },
    { destination_domain: 'example.com', messages: 6, bounced: 0, hard: 0, soft: 0, other: 0, bounce_rate: 0 },
  ],
  'Bounces by enhanced status code': [
    { class: 'hard', status: '(none)', messages: 1 }, { class: 'hard', status: '5.1.1', messages: 1 },
    { class: 'other', status: '(none)', messages: 1 }, { class: 'soft', status: '4.2.2', messages: 1 },
  ],
  // m7: a bounce naming the suppression; m8: the older blocked/suppressed_complaint shape
  'Attempts to suppressed addresses over time': [{ time: MARCH_1, suppressed_by_bounces: 1, suppressed_by_complaint: 1 }],
  'Suppression list inputs': [
    { input: 'hard bounce: address suppressed for six months', messages: 1 },
    { input: 'spam complaint: address suppressed', messages: 1 },
    { input: 'soft or other bounce: one toward five in a row', messages: 2 },
    { input: 'policy block: sender alerted, recipient not suppressed', messages: 0 },
    { input: 'attempt to a suppressed address', messages: 2 },
  ],
};

const grid = (weekday: string, opens: Record<number, number>): Row =>
  Object.fromEntries([['weekday', weekday], ...Array.from({ length: 24 }, (_, hour) => [String(hour).padStart(2, '0'), opens[hour] ?? 0])]);

// All emails. m3 (Oslo, UTC+1 in March) opened twice and clicked three links at 23:30 UTC on Sunday: 00:30 on Monday
// there. On 1 April 10:00 UTC, c-20 (Oslo, UTC+2 since 29 March) opened at 12:00 local; c-21 (no zone) opened and
// clicked at 10:00 and 10:05 UTC. m4's open was a machine's (apple_mpp).
const ENGAGEMENT: Record<string, Row[]> = {
  'variable workspace_id': workspaces,
  'variable email_id': allEmails,
  'variable journey_id': journeys,
  'variable tile_id': g2Tiles,
  'Opens and clicks by hour of day (recipient\'s local time)': [{ hour: '00:00', opens: 2, clicks: 3 }, { hour: '10:00', opens: 1, clicks: 1 }, { hour: '12:00', opens: 1, clicks: 0 }],
  'Opens and clicks by weekday (recipient\'s local time)': [{ weekday: '1 Mon', opens: 2, clicks: 3 }, { weekday: '3 Wed', opens: 2, clicks: 1 }],
  'Opens by weekday and hour (recipient\'s local time)': [grid('1 Mon', { 0: 2 }), grid('3 Wed', { 10: 1, 12: 1 })],
  'Recipients\' time zones': [{ recipient_time_zone: 'Europe/Oslo', opens: 3, clicks: 3 }, { recipient_time_zone: '(unknown: shown in UTC)', opens: 1, clicks: 1 }],
  'Human vs machine': [
    { metric: 'click', human_events: 4, machine_events: 0, human_messages: 2, machine_messages: 0 },
    { metric: 'open', human_events: 4, machine_events: 1, human_messages: 3, machine_messages: 1 },
  ],
  'Machine traffic by reason': [{ event_type: 'open', reason: 'apple_mpp', events: 1 }],
  'Human vs machine over time': [
    { time: MARCH_1, human_opens: 2, machine_opens: 1, human_clicks: 3, machine_clicks: 0 },
    { time: APRIL_1, human_opens: 2, machine_opens: 0, human_clicks: 1, machine_clicks: 0 },
  ],
  // two messages with a link click (m3, m21): each link's one unique click ÷ 2
  'Top links (click-through rate = the link\'s unique clicks ÷ all unique clicks)': [
    { link_id: 'L1', url: 'https://x.test/1', total_clicks: 2, unique_clicks: 1, click_through_rate: 0.5 },
    { link_id: 'L2', url: 'https://x.test/2', total_clicks: 1, unique_clicks: 1, click_through_rate: 0.5 },
    { link_id: 'L9', url: 'https://x.test/9', total_clicks: 1, unique_clicks: 1, click_through_rate: 0.5 },
  ],
};

const T0 = '2025-06-01 12:00:00';
// Minute 12:00: p1 (stored twice, one event), p2 opens, p3 click, p4 send; minute 12:02: p5 open. Lags 1, 1.5, 0, 30
// and 1 s; quantileExact(level) is the sorted values' element floor(level × n) (0-based).
const PIPELINE_HEALTH = (ledger: Row[]): Record<string, Row[]> => ({
  'variable workspace_id': [{ value: '', label: '(all workspaces)' }, ...workspaces],
  'In the time range': [{ 'Events arrived': 5, 'Lag p50': 1, 'Lag p99': 30, 'Dead letters': 2 }],
  'Events per second by type (arriving in ClickHouse)': [
    { time: T0, event_type: 'click', events_per_second: 1 / 60 }, { time: T0, event_type: 'open', events_per_second: 2 / 60 },
    { time: T0, event_type: 'send', events_per_second: 1 / 60 }, { time: '2025-06-01 12:02:00', event_type: 'open', events_per_second: 1 / 60 },
  ],
  'Produce → ClickHouse lag': [{ time: T0, p50: 1.5, p99: 30, max: 30 }, { time: '2025-06-01 12:02:00', p50: 1, p99: 1, max: 1 }],
  'Dead letters by error code': [
    { time: '2025-06-01 12:01:00', error_code: 'EVENT_BAD_MAGIC', dead_letters: 1 }, { time: '2025-06-01 12:01:00', error_code: 'EVENT_INVALID', dead_letters: 1 },
  ],
  'Kafka offsets written to ClickHouse': ledger,
  // the latest copy of each: BAD_MAGIC's second copy at 12:01:05
  'Latest dead letters': [
    { original_topic: 'cairn.email-events', original_partition: 0, original_offset: 7, last_dead_lettered_at: '2025-06-01 12:01:05', error_code: 'EVENT_BAD_MAGIC', error_message: 'EVENT_BAD_MAGIC at 7' },
    { original_topic: 'cairn.email-events', original_partition: 1, original_offset: 3, last_dead_lettered_at: '2025-06-01 12:01:02', error_code: 'EVENT_INVALID', error_message: 'EVENT_INVALID at 3' },
  ],
});

export interface DashboardCase {
  file: string;
  scope: GrafanaScope;
  expected: Record<string, Row[]>;
}

/** Each dashboard with the variables an analyst would pick and what every query must answer. */
export function dashboardCases(ingestRowCount: number): DashboardCase[] {
  const ledger = [{ kafka_topic: 'glossary', kafka_partition: 0, written_up_to_offset: ingestRowCount - 1 }];
  return [
    { file: 'email-insights.json', scope: emailScope({ workspace_id: 'ws', email_id: 'g1', journey_id: '', tile_id: '' }), expected: EMAIL_INSIGHTS },
    { file: 'journey-tiles.json', scope: emailScope({ workspace_id: 'ws', journey_id: 'jg', contact_id: 'c2' }), expected: JOURNEY_TILES },
    { file: 'deliverability.json', scope: emailScope({ workspace_id: 'ws', email_id: 'g1', journey_id: '', tile_id: '' }), expected: DELIVERABILITY },
    { file: 'engagement.json', scope: emailScope({ workspace_id: 'ws', email_id: '', journey_id: '', tile_id: '' }), expected: ENGAGEMENT },
    { file: 'pipeline-health.json', scope: pipelineScope(''), expected: PIPELINE_HEALTH(ledger) },
    { file: 'pages-forms.json', scope: emailScope(PAGES_FORMS_VARIABLES), expected: PAGES_FORMS },
    { file: 'redirect-urls.json', scope: emailScope(REDIRECT_URLS_VARIABLES), expected: REDIRECT_URLS },
    { file: 'lead-scoring.json', scope: emailScope(LEAD_SCORING_VARIABLES), expected: LEAD_SCORING },
    { file: 'web-tracking.json', scope: emailScope(WEB_TRACKING_VARIABLES), expected: WEB_TRACKING },
  ];
}
