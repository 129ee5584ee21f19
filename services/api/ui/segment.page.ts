import { apiGet, apiList, rangeQuery } from './api-client';
import type { SegmentDay, SegmentInsights, SegmentJourney, SegmentRow } from './api-types';
import { membershipChart } from './charts';
import { h, table } from './dom';
import { formatCount } from './format';
import { pageTitle, rangeFilter, section, statusBadge, type Shell } from './page-shell';

/**
 * The segments and one segment's insights (docs/kpis.md#segment-membership): members now, entries and exits over
 * the range, members at the end of each day, and the journeys that use the segment. Every number is a field of
 * GET /v1/insights/segments/{id}, printed with format.ts; each carries data-kpi naming its field.
 */

const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');

export async function renderSegmentList(shell: Shell): Promise<void> {
  const segments = await apiList<SegmentRow>('/v1/segments');
  shell.main.replaceChildren(
    pageTitle('Segments', `${segments.length} segment${segments.length === 1 ? '' : 's'} in this workspace.`),
    table(
      ['Segment', 'Kind', 'Members', 'Refreshed'],
      segments.map((segment) => ({
        attributes: { 'data-segment-id': segment.id },
        cells: [
          h('a', { href: `/ui/segments/${segment.id}` }, segment.name),
          segment.kind,
          formatCount(segment.member_count),
          day(segment.refreshed_at),
        ],
      })),
      { class: 'list', 'data-list': 'segments' },
    ),
  );
}

const kpi = (label: string, field: string, value: number, note: string): HTMLElement =>
  h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, h('span', { 'data-kpi': field, 'data-value': value }, formatCount(value))),
    h('span', { class: 'kpi-note' }, note),
  );

const sum = (days: SegmentDay[], field: 'entered' | 'exited'): number => days.reduce((n, d) => n + d[field], 0);

const USES: Record<string, string> = { entry: 'entry tile', exclusion: 'excluded at tile', suppression: 'suppression' };

function journeysSection(journeys: SegmentJourney[]): HTMLElement {
  return section(
    'Journeys using this segment',
    journeys.length === 0
      ? h('p', { class: 'muted' }, 'No journey uses this segment.')
      : table(
          ['Journey', 'Status', 'Used as'],
          journeys.map((j) => ({
            attributes: { 'data-journey-id': j.id },
            cells: [
              h('a', { href: `/ui/journeys/${j.id}` }, j.name),
              statusBadge(j.status),
              j.uses.map((u) => `${USES[u.how] ?? u.how}${u.tile_id ? ` ${u.tile_id}` : ''}`).join(', '),
            ],
          })),
          { class: 'list', 'data-table': 'journeys' },
        ),
  );
}

function daysSection(days: SegmentDay[]): { element: HTMLElement; draw: () => void } {
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Members, entries and exits per day' });
  const data = table(
    ['Day', 'Entered', 'Exited', 'Members at the end of the day'],
    days.map((d) => ({
      attributes: { 'data-day': d.day },
      cells: [d.day, formatCount(d.entered), formatCount(d.exited), d.members === null ? '—' : formatCount(d.members)],
    })),
    { class: 'compact', 'data-table': 'days' },
  );
  const element = section(
    'Members over time',
    h('p', { class: 'muted' }, 'Days in the workspace’s time zone; — is a day before the segment was counted.'),
    h('div', { class: 'chart' }, canvas),
    h('details', {}, h('summary', {}, 'Data'), data),
  );
  return { element, draw: () => void membershipChart(canvas, days) };
}

export async function renderSegmentPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const insights = await apiGet<SegmentInsights>(`/v1/insights/segments/${id}${rangeQuery(search)}`);
  const last = insights.days[insights.days.length - 1];
  const days = daysSection(insights.days);
  shell.main.replaceChildren(
    pageTitle(insights.segment.name, `${insights.from} – ${insights.to}`, statusBadge(insights.segment.kind)),
    rangeFilter(search, 'Last 30 days'),
    h(
      'div',
      { class: 'kpi-grid' },
      kpi('Members now', 'member_count', insights.member_count, 'contacts in the segment'),
      kpi('Entered', 'entered', sum(insights.days, 'entered'), 'joined in this period'),
      kpi('Exited', 'exited', sum(insights.days, 'exited'), 'left in this period (erasure included)'),
      kpi('Members on the last day', 'members', last?.members ?? 0, `at the end of ${insights.to}`),
    ),
    days.element,
    journeysSection(insights.journeys),
  );
  days.draw();
}
