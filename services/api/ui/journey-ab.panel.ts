import type { JourneyAbKpis } from '../insights/journey-ab-types';
import type { JourneyTile } from './api-types';
import { apiGet } from './api-client';
import { h, table } from './dom';
import { formatCount, formatPercent } from './format';
import { section } from './page-shell';

/**
 * The journey page's A/B test panel (docs/kpis.md#ab-test): per A/B test tile, each variant's sent, unique opens
 * and clicks, goal and rates, the leader's p-value against it and the winner's sends, with the confidence reached
 * and the decision (winner, significant or fallback, when) or the contacts still waiting for it. Numbers:
 * GET /v1/insights/journeys/{id}/tiles/{tileId}/ab.
 */

const rate = (ratio: number | null): string => (ratio === null ? '—' : formatPercent(ratio));
const pValue = (p: number | null): string => (p === null ? 'leader' : p < 0.0001 ? '< 0.0001' : p.toFixed(4));

function decisionText(ab: JourneyAbKpis): string {
  const confidence = `confidence reached ${formatPercent(ab.confidence_reached)} (needed ${formatPercent(ab.confidence)})`;
  if (ab.decision) {
    const how = ab.decision.reason === 'significant' ? 'significant difference' : `fallback (${ab.fallback})`;
    return `Winner ${ab.decision.label}, decided ${new Date(ab.decision.decided_at).toLocaleString()} by ${how}; ${confidence}.`;
  }
  if (ab.started_at === null) return 'No contact has reached the tile yet.';
  const ends = ab.ends_at ? new Date(ab.ends_at).toLocaleString() : '—';
  return `Testing until ${ends} (${ab.min_sample} sent per variant at least); ${formatCount(ab.waiting.contacts)} contacts waiting (${ab.waiting.reason}); ${confidence}.`;
}

function tilePanel(ab: JourneyAbKpis): HTMLElement {
  const rows = ab.variants.map((v) => ({
    attributes: { 'data-variant': String(v.variant) },
    cells: [
      v.variant === ab.decision?.winner ? `${v.label} ★` : v.label,
      formatCount(v.sent),
      formatCount(v.unique_opens),
      rate(v.open_rate),
      formatCount(v.unique_clicks),
      rate(v.click_rate),
      rate(v.goal_rate),
      pValue(v.p_value),
      formatCount(v.winner_sent),
    ],
  }));
  return h(
    'div',
    { 'data-ab-tile': ab.tile_id },
    h('h3', {}, `Tile ${ab.tile_id}: ${ab.metric.replace('_', ' ')}, ${formatPercent(ab.test_share)} in the test`),
    h('p', { class: 'muted', 'data-ab-decision': ab.decision ? ab.decision.reason : 'testing' }, decisionText(ab)),
    table(
      [
        'Variant',
        'Sent',
        'Unique opens',
        'Open rate',
        'Unique clicks',
        'Click rate',
        'Goal rate',
        'p-value',
        'Sent as winner',
      ],
      rows,
      { 'data-table': `ab-${ab.tile_id}` },
    ),
  );
}

/** The panel, or null for a journey without an A/B test tile. */
export async function abTestPanel(journeyId: string, tiles: JourneyTile[]): Promise<HTMLElement | null> {
  const abTiles = tiles.filter((t) => t.type === 'ab_test');
  if (abTiles.length === 0) return null;
  const answers = await Promise.all(
    abTiles.map((t) =>
      apiGet<JourneyAbKpis>(`/v1/insights/journeys/${journeyId}/tiles/${encodeURIComponent(t.id)}/ab`),
    ),
  );
  return section('A/B tests', ...answers.map(tilePanel));
}
