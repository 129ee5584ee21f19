import type { JourneyGoalKpis, JourneyHoldoutKpis } from '../insights/journey-goal-types';
import { apiGet } from './api-client';
import { h } from './dom';
import { formatCount, formatPercent } from './format';
import { kpiCard, section } from './page-shell';

/**
 * The journey page's goal and holdout panel (docs/kpis.md#journey-goal, docs/kpis.md#journey-holdout): the goal's
 * progress against its target share and the contacts that left on reaching it, and with a holdout the two groups'
 * conversion and the goal's lift with its 95 % interval. Numbers: GET /v1/insights/journeys/{id}/goal and /holdout.
 */

const share = (ratio: number | null): string => (ratio === null ? '—' : formatPercent(ratio));

const kpi = (label: string, value: string, field: string): HTMLElement => kpiCard(label, value, { 'data-goal': field });

function liftText(lift: JourneyHoldoutKpis['lift']): string {
  if (lift.absolute === null) return '—';
  const points = (ratio: number | null) => (ratio === null ? '—' : `${(ratio * 100).toFixed(1)}`);
  return `${points(lift.absolute)} points (95 % interval ${points(lift.ci_low)} to ${points(lift.ci_high)})`;
}

/** The panel, or null for a journey without a goal. */
export async function goalPanel(
  journeyId: string,
  settings: { goal?: unknown; holdout?: unknown } | undefined,
): Promise<HTMLElement | null> {
  if (!settings?.goal) return null;
  const goal = await apiGet<JourneyGoalKpis>(`/v1/insights/journeys/${journeyId}/goal`);
  const tiles = [
    kpi('Reached the goal', formatCount(goal.reached), 'reached'),
    kpi('Share of entered', share(goal.reached_share), 'reached_share'),
    kpi('Target share', share(goal.target_share), 'target_share'),
    kpi('Left on reaching it', formatCount(goal.exited), 'exited'),
  ];
  if (settings.holdout) {
    const holdout = await apiGet<JourneyHoldoutKpis>(`/v1/insights/journeys/${journeyId}/holdout`);
    tiles.push(
      kpi('Treated conversion', share(holdout.treated.conversion_rate), 'treated'),
      kpi('Held-out conversion', share(holdout.held_out.conversion_rate), 'held_out'),
      kpi('Lift', liftText(holdout.lift), 'lift'),
    );
  }
  return section(
    'Goal',
    h(
      'p',
      { class: 'muted' },
      goal.on_target ? 'The goal has reached its target share.' : 'The goal is below its target share so far.',
    ),
    h('div', { class: 'kpi-grid' }, ...tiles),
  );
}
