import type { SendTimeTile } from '../insights/journey-goal-types';
import { apiGet } from './api-client';
import { h, table } from './dom';
import { formatCount } from './format';
import { section } from './page-shell';

/**
 * The journey page's send-time panel (docs/kpis.md#send-time-optimisation): per email tile with send-time
 * optimisation, the contacts held until their best hour and for how long. Numbers: GET /v1/insights/journeys/{id}/send-time.
 */

const hours = (value: number): string => `${value.toFixed(1)} h`;

/** The panel, or null for a journey without an optimised email tile. */
export async function sendTimePanel(
  journeyId: string,
  tiles: ReadonlyArray<{ type: string; config?: Record<string, unknown> }>,
): Promise<HTMLElement | null> {
  if (!tiles.some((t) => t.type === 'email' && t.config?.send_time)) return null;
  const answer = await apiGet<{ tiles: SendTimeTile[] }>(`/v1/insights/journeys/${journeyId}/send-time`);
  const rows = answer.tiles.map((t) => ({
    attributes: { 'data-tile': t.tile_id },
    cells: [
      t.tile_id,
      formatCount(t.delayed),
      hours(t.average_delay_hours),
      hours(t.max_delay_hours),
      Object.entries(t.by_source)
        .map(([source, n]) => `${source} ${formatCount(n)}`)
        .join(', '),
    ],
  }));
  return section(
    'Send time',
    h('p', { class: 'muted' }, 'Contacts each optimised email tile held until their best hour, and for how long.'),
    table(['tile', 'delayed', 'average delay', 'longest delay', 'hour chosen by'], rows, {
      class: 'list compact',
      'data-table': 'send-time',
    }),
  );
}
