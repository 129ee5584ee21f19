import { apiGet, apiList, rangeQuery } from './api-client';
import type { RedirectClick, RedirectInsights, RedirectUrlRow } from './api-types';
import { h, table } from './dom';
import { formatCount } from './format';
import { pageTitle, rangeFilter, section, statusBadge, type Shell } from './page-shell';
import { grid, kpi, perDay } from './web-insights.page';

/**
 * A redirect URL's insights (docs/redirect-urls.md#insights, docs/kpis.md#redirect-url-kpis): its settings, the KPI
 * cards, the clicks per day, human clicks by country, and the timeline (each click). Every number is a field of
 * GET /v1/insights/redirect-urls/{id}[/clicks], printed with format.ts; each carries data-kpi naming its field.
 */

const ROWS_SHOWN = 100;
const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '—');
const state = (row: RedirectUrlRow): HTMLElement => statusBadge(row.disabled ? 'disabled' : 'live');

function settingsSection(row: RedirectUrlRow): HTMLElement {
  const line = (label: string, value: Node | string) => h('tr', {}, h('th', {}, label), h('td', {}, value));
  return section(
    'General info',
    h(
      'table',
      { class: 'compact', 'data-table': 'settings' },
      h(
        'tbody',
        {},
        line('Short URL', h('span', { class: 'url', 'data-short-url': row.short_url }, row.short_url)),
        line('Destination', h('span', { class: 'url', 'data-destination': row.destination }, row.destination)),
        line('Created', day(row.created_at)),
        line('Disabled', row.disabled ? day(row.disabled_at) : 'no'),
      ),
    ),
  );
}

function countriesSection(countries: RedirectInsights['countries']): HTMLElement {
  return section(
    'Where people clicked',
    table(
      ['Country', 'Human clicks'],
      countries.map((c) => ({
        attributes: { 'data-country': c.country ?? '' },
        cells: [c.country ?? 'unknown', formatCount(c.humanClicks)],
      })),
      { class: 'compact', 'data-table': 'countries' },
    ),
  );
}

function timelineSection(clicks: RedirectClick[]): HTMLElement {
  return section(
    'Timeline',
    h(
      'p',
      { class: 'muted' },
      `The newest ${ROWS_SHOWN} human clicks. CSV (machine traffic with machine=true): …/clicks.csv.`,
    ),
    table(
      ['Clicked (UTC)', 'Country', 'Device'],
      clicks.map((c) => ({
        attributes: { 'data-click-id': c.eventId },
        cells: [c.at, c.country ?? 'unknown', c.userAgentClass],
      })),
      { class: 'list', 'data-table': 'clicks' },
    ),
  );
}

export async function renderRedirectUrlPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const query = rangeQuery(search);
  const base = `/v1/insights/redirect-urls/${id}`;
  const [row, insights, clicks] = await Promise.all([
    apiGet<RedirectUrlRow>(`/v1/redirect-urls/${id}`),
    apiGet<RedirectInsights>(`${base}${query}`),
    apiGet<{ items: RedirectClick[] }>(`${base}/clicks${query}${query ? '&' : '?'}limit=${ROWS_SHOWN}`),
  ]);
  document.title = `${row.name} · Cairn insights`;
  const overTime = perDay('Clicks over time', insights.days, [
    ['Human clicks', 'humanClicks'],
    ['Machine clicks', 'machineClicks'],
    ['Clicks', 'clicks'],
  ]);
  shell.main.replaceChildren(
    pageTitle(row.name, 'Redirect URL', state(row)),
    rangeFilter(search),
    settingsSection(row),
    section(
      'Key performance indicators',
      grid(
        kpi('Clicks', 'clicks', insights.clicks, undefined, 'every redirect, human and machine'),
        kpi('Human clicks', 'humanClicks', insights.humanClicks),
        kpi('Machine clicks', 'machineClicks', insights.machineClicks, undefined, 'scanners, prefetches, HEAD'),
      ),
    ),
    overTime.element,
    countriesSection(insights.countries),
    timelineSection(clicks.items),
  );
  overTime.draw();
}

/** The workspace's redirect URLs (GET /v1/redirect-urls), each linking to its insights. */
export async function renderRedirectUrlList(shell: Shell): Promise<void> {
  const rows = await apiList<RedirectUrlRow>('/v1/redirect-urls');
  shell.main.replaceChildren(
    pageTitle('Redirect URLs', `${rows.length} in this workspace; each sends to its one destination.`),
    table(
      ['Name', 'Status', 'Short URL', 'Destination', 'Created'],
      rows.map((row) => ({
        attributes: { 'data-redirect-url-id': row.id },
        cells: [
          h('a', { href: `/ui/redirect-urls/${row.id}` }, row.name),
          state(row),
          h('span', { class: 'url' }, row.short_url),
          h('span', { class: 'url' }, row.destination),
          day(row.created_at),
        ],
      })),
      { class: 'list', 'data-list': 'redirect-urls' },
    ),
  );
}
