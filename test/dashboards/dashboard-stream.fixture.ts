import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { formatDateTime } from '../../lib/platform/clickhouse/sql';
import { emailEvent } from '../aggregator/aggregator-harness';
import { glossaryStream, ingestRows } from '../insights/glossary-stream.fixture';
import { pagesFormsStream } from './pages-forms-dashboard.fixture';
import { redirectUrlsStream } from './redirect-urls-dashboard.fixture';
import { leadScoringStream } from './lead-scoring-dashboard.fixture';
import { webTrackingStream } from './web-tracking-dashboard.fixture';
import { abTestStream } from './ab-test-dashboard.fixture';

/** 10:00 UTC on Wednesday 1 April 2026: 12:00 in Europe/Oslo, which moved to summer time (UTC+2) on 29 March. */
export const SUMMER_TIME = Date.UTC(2026, 3, 1, 10, 0);

/** Each send's destination domain (the sender's recipient_domain): m1 and m2 bounce there, m7 was never sent. */
const DOMAINS: Record<string, string> = { m1: 'bounce.test', m2: 'bounce.test' };

/**
 * The glossary stream of issue 14 (email g1, journey jg, every glossary case; its KPIs are GLOSSARY_EMAIL_KPIS), its
 * sends carrying their domain and m3's opens and clicks a country (its first open and clicks NO, its second open SE),
 * plus email g2: two recipients who open in summer time, one of them also clicking, each sent by its own email tile
 * of journey jg (E1: m20, E2: m21), so the tile filter splits g2 in two.
 */
export function dashboardStream(ws: string): CairnEvent[] {
  let opens = 0;
  const glossary = glossaryStream(ws).map((event) => {
    if (event.type === 'send') return { ...event, data: { ...event.data, recipient_domain: DOMAINS[event.data.message_id] ?? 'example.com' } } as CairnEvent;
    if ((event.type === 'open' || event.type === 'click') && event.data.message_id === 'm3' && !event.data.machine)
      return { ...event, data: { ...event.data, country: event.type === 'open' && opens++ > 0 ? 'SE' : 'NO' } } as CairnEvent;
    return event;
  });
  const at = (m: string, contact: string, time: number, extra: Record<string, unknown> = {}) => ({
    workspace_id: ws, email_id: 'g2', journey_id: 'jg', message_id: m, contact_id: contact, event_time: time, ...extra,
  });
  return [
    ...glossary,
    emailEvent('send', at('m20', 'c-20', SUMMER_TIME, { recipient_domain: 'example.com', tile_id: 'E1' })),
    emailEvent('send', at('m21', 'c-21', SUMMER_TIME, { recipient_domain: 'example.com', tile_id: 'E2' })),
    emailEvent('open', at('m20', 'c-20', SUMMER_TIME, { tile_id: 'E1' })),
    emailEvent('open', at('m21', 'c-21', SUMMER_TIME, { tile_id: 'E2' })),
    emailEvent('click', at('m21', 'c-21', SUMMER_TIME + 300_000, { link_id: 'L9', url: 'https://x.test/9', tile_id: 'E2' })),
  ];
}

/** With the pages-and-forms, redirect URLs, lead scoring and website dashboards' and the A/B panels' events, each in a workspace of their own. */
export const dashboardIngestRows = (ws: string) =>
  ingestRows([
    ...dashboardStream(ws),
    ...pagesFormsStream(),
    ...redirectUrlsStream(),
    ...leadScoringStream(),
    ...webTrackingStream(),
    ...abTestStream(),
  ]);

/** The engaged recipient of g1 (m3) and c-20 live in Oslo; c-21 has no time zone (its events stay in UTC). */
export const CONTACT_ZONES = (ws: string) => [
  { workspace_id: ws, contact_id: 'c-m3', time_zone: 'Europe/Oslo', updated_at: '2026-01-01 00:00:00' },
  { workspace_id: ws, contact_id: 'c-20', time_zone: 'Europe/Oslo', updated_at: '2026-01-01 00:00:00' },
  { workspace_id: ws, contact_id: 'c-21', time_zone: '', updated_at: '2026-01-01 00:00:00' },
];

/** The pipeline fixture's ten minutes, long before any row the test inserts through events_ingest arrives. */
export const PIPELINE_FROM = new Date(Date.UTC(2025, 5, 1, 12, 0));
export const PIPELINE_TO = new Date(Date.UTC(2025, 5, 1, 12, 10));

const stamp = (ms: number): string => formatDateTime(new Date(ms));

/** events_raw rows as they arrived: event time (ms) and inserted_at (s) chosen, one event stored twice (a replay). */
export function pipelineRows(ws: string): Record<string, string | number>[] {
  const t0 = PIPELINE_FROM.getTime();
  const row = (id: string, type: string, eventMs: number, insertedMs: number) => ({
    event_id: id, event_type: type, event_date: stamp(eventMs).slice(0, 10), event_time: stamp(eventMs), event_time_ms: eventMs,
    workspace_id: ws, inserted_at: stamp(insertedMs),
  });
  return [
    row('p1', 'open', t0, t0 + 1_000), // lag 1 s
    row('p1', 'open', t0, t0 + 1_000), // the same event replayed before a merge: counted once
    row('p2', 'open', t0 + 500, t0 + 2_000), // lag 1.5 s
    row('p3', 'click', t0 + 10_000, t0 + 10_000), // lag 0 s
    row('p4', 'send', t0, t0 + 30_000), // lag 30 s
    row('p5', 'open', t0 + 120_000, t0 + 121_000), // next minute, lag 1 s
  ];
}

/** Two refused messages; the first dead-lettered twice (the aggregator died before its offset moved). */
export function deadLetterRows(): Record<string, string | number>[] {
  const t0 = PIPELINE_FROM.getTime();
  const row = (partition: number, offset: number, code: string, ms: number) => ({
    day: stamp(ms).slice(0, 10), dead_lettered_at: stamp(ms), original_topic: 'cairn.email-events', original_partition: partition,
    original_offset: offset, error_code: code, error_message: `${code} at ${offset}`,
  });
  return [row(0, 7, 'EVENT_BAD_MAGIC', t0 + 60_000), row(0, 7, 'EVENT_BAD_MAGIC', t0 + 65_000), row(1, 3, 'EVENT_INVALID', t0 + 62_000)];
}
