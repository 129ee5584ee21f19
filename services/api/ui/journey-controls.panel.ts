import type { JourneyControlsKpis } from '../insights/journey-controls-types';
import { apiGet } from './api-client';
import { h } from './dom';
import { formatCount } from './format';
import { kpiCard, section } from './page-shell';

/**
 * The journey page's controls panel (docs/kpis.md#journey-controls): contacts the frequency cap blocked, contacts
 * quiet hours hold now and their next release, and the entry pacing queue with the current period's count.
 * Numbers: GET /v1/insights/journeys/{id}/controls.
 */

const kpi = (label: string, value: string, field: string, note?: string): HTMLElement =>
  kpiCard(label, value, { 'data-control': field }, note);

const time = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '—');

function capCards(cap: JourneyControlsKpis['frequency_cap']): HTMLElement[] {
  const rules = cap.transactional
    ? 'transactional: not capped'
    : cap.rules.map((r) => `${r.max_sends} per ${r.window_hours} h`).join(', ') || 'no cap';
  return [kpi('Blocked by the frequency cap', formatCount(cap.capped), 'capped', rules)];
}

function quietCards(quiet: JourneyControlsKpis['quiet_hours']): HTMLElement[] {
  const window = quiet.window ? `${quiet.window.start}–${quiet.window.end} (${quiet.source}'s)` : 'no quiet hours';
  return [
    kpi('Held by quiet hours now', formatCount(quiet.held_now), 'held_now', window),
    kpi('Held by quiet hours, all', formatCount(quiet.held_total), 'held_total'),
    kpi('Next release', time(quiet.next_release_at), 'next_release_at'),
  ];
}

function pacingCards(pacing: JourneyControlsKpis['entry_pacing']): HTMLElement[] {
  const rate = pacing.settings ? `at most ${pacing.settings.max_contacts} per ${pacing.settings.per}` : 'no pacing';
  return [
    kpi('Queued by entry pacing now', formatCount(pacing.queued_now), 'queued_now', rate),
    kpi('Queued by entry pacing, all', formatCount(pacing.queued_total), 'queued_total'),
    kpi(
      'Admitted this period',
      formatCount(pacing.admitted_in_period),
      'admitted_in_period',
      time(pacing.period_start),
    ),
  ];
}

/** The panel, or null when no control applies to the journey and none has acted on it. */
export async function controlsPanel(journeyId: string): Promise<HTMLElement | null> {
  const controls = await apiGet<JourneyControlsKpis>(`/v1/insights/journeys/${journeyId}/controls`);
  const { frequency_cap: cap, quiet_hours: quiet, entry_pacing: pacing } = controls;
  const applies = cap.rules.length > 0 || cap.capped > 0 || quiet.window !== null || pacing.settings !== null;
  if (!applies) return null;
  return section(
    'Controls',
    h(
      'p',
      { class: 'muted' },
      'Contacts the workspace frequency cap blocked (they went on along the journey without the email), contacts quiet hours hold at an email tile until the window ends, and contacts entry pacing keeps waiting to enter.',
    ),
    h('div', { class: 'kpi-grid' }, ...capCards(cap), ...quietCards(quiet), ...pacingCards(pacing)),
  );
}
