import { apiGet, apiList, rangeQuery } from './api-client';
import { countsChart } from './charts';
import { h, table } from './dom';
import { formatCount } from './format';
import { pageTitle, rangeFilter, section, type Shell } from './page-shell';

/**
 * A registered website's insights (docs/kpis.md#website-kpis): its settings and script tag, the KPI cards, the page
 * loads over time, the most popular pages, the visitors' countries and the latest page loads. Every number is a
 * field of GET /v1/insights/websites/{id}, printed with format.ts; each carries data-kpi naming its field.
 */

interface WebsiteRow {
  id: string;
  name: string;
  origin: string;
  visitor_id_mode: string;
  honor_dnt: boolean;
  script: string;
}

interface Loads {
  pageLoads: number;
  uniqueVisitors: number;
}

interface WebsiteInsights extends Loads {
  knownVisitors: number;
  linkClicks: number;
  machineHits: number;
  interval: 'day' | 'hour';
  pages: (Loads & { path: string })[];
  countries: (Loads & { country: string | null })[];
  timeline: (Loads & { period: string })[];
  recentLoads: {
    eventId: string;
    at: string;
    path: string;
    title: string;
    contactId: string;
    country: string | null;
    machine: boolean;
  }[];
}

const kpi = (label: string, field: string, value: number, note?: string): HTMLElement =>
  h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, h('span', { 'data-kpi': field, 'data-value': value }, formatCount(value))),
    note ? h('span', { class: 'kpi-note' }, note) : null,
  );

const loadCells = (row: Loads) => [formatCount(row.pageLoads), formatCount(row.uniqueVisitors)];

function settingsSection(site: WebsiteRow): HTMLElement {
  return section(
    'Settings and script',
    h(
      'p',
      {},
      `Origin ${site.origin} · visitor id: ${site.visitor_id_mode === 'first_party' ? 'first-party cookie' : 'none'} · `,
      site.honor_dnt ? 'Do Not Track and Global Privacy Control honoured' : 'Do Not Track not honoured',
    ),
    h('p', { class: 'muted' }, 'Paste this tag into every page of the site:'),
    h('pre', { 'data-script': '' }, site.script),
  );
}

function timelineSection(insights: WebsiteInsights) {
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Page loads over time' });
  const rows = insights.timeline;
  const element = section(
    insights.interval === 'hour' ? 'Page loads per hour' : 'Page loads per day',
    rows.length === 0 ? h('p', { class: 'muted' }, 'Nothing in this period.') : h('div', { class: 'chart' }, canvas),
    h(
      'details',
      {},
      h('summary', {}, 'Data'),
      table(
        ['Period', 'Page loads', 'Unique visitors'],
        rows.map((r) => ({ attributes: { 'data-period': r.period }, cells: [r.period, ...loadCells(r)] })),
        { class: 'compact', 'data-table': 'timeline' },
      ),
    ),
  );
  const draw = () =>
    void (
      rows.length > 0 &&
      countsChart(
        canvas,
        rows.map((r) => r.period),
        rows.map((r) => r.pageLoads),
      )
    );
  return { element, draw };
}

function breakdowns(insights: WebsiteInsights): HTMLElement[] {
  return [
    section(
      'Most popular pages',
      table(
        ['Page', 'Page loads', 'Unique visitors'],
        insights.pages.map((p) => ({ attributes: { 'data-path': p.path }, cells: [p.path, ...loadCells(p)] })),
        { class: 'list', 'data-table': 'pages' },
      ),
    ),
    section(
      'Visitors by country',
      table(
        ['Country', 'Page loads', 'Unique visitors'],
        insights.countries.map((c) => ({
          attributes: { 'data-country': c.country ?? '' },
          cells: [c.country ?? 'unknown', ...loadCells(c)],
        })),
        { class: 'list', 'data-table': 'countries' },
      ),
    ),
    section(
      'Latest page loads',
      table(
        ['Loaded (UTC)', 'Page', 'Title', 'Contact', 'Country', 'Traffic'],
        insights.recentLoads.map((l) => ({
          attributes: { 'data-event-id': l.eventId },
          cells: [
            l.at,
            l.path,
            l.title,
            l.contactId ? h('a', { href: `/ui/contacts/${l.contactId}` }, l.contactId.slice(0, 8)) : 'anonymous',
            l.country ?? '—',
            l.machine ? 'machine' : 'human',
          ],
        })),
        { class: 'list', 'data-table': 'loads' },
      ),
    ),
  ];
}

export async function renderWebsitePage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const query = rangeQuery(search);
  const hourly = search.get('interval') === 'hour';
  const interval = hourly ? `${query}${query ? '&' : '?'}interval=hour` : query;
  const [site, insights] = await Promise.all([
    apiGet<WebsiteRow>(`/v1/websites/${id}`),
    apiGet<WebsiteInsights>(`/v1/insights/websites/${id}${interval}`),
  ]);
  document.title = `${site.name} · Cairn insights`;
  const overTime = timelineSection(insights);
  const otherInterval = new URLSearchParams(search);
  otherInterval.set('interval', hourly ? 'day' : 'hour');
  shell.main.replaceChildren(
    pageTitle(site.name, `Website ${site.origin}`),
    rangeFilter(search),
    h('p', {}, h('a', { href: `?${otherInterval.toString()}` }, hourly ? 'Per day' : 'Per hour')),
    section(
      'Key performance indicators',
      h(
        'div',
        { class: 'kpi-grid' },
        kpi('Page loads', 'pageLoads', insights.pageLoads, 'human'),
        kpi('Unique visitors', 'uniqueVisitors', insights.uniqueVisitors),
        kpi('Known visitors', 'knownVisitors', insights.knownVisitors, 'came from a tracked email'),
        kpi('Link clicks', 'linkClicks', insights.linkClicks),
        kpi('Machine hits', 'machineHits', insights.machineHits, 'kept, outside every other number'),
      ),
    ),
    overTime.element,
    ...breakdowns(insights),
    settingsSection(site),
  );
  overTime.draw();
}

/** The workspace's websites (GET /v1/websites), each linking to its insights. */
export async function renderWebsiteList(shell: Shell): Promise<void> {
  const rows = await apiList<WebsiteRow>('/v1/websites');
  shell.main.replaceChildren(
    pageTitle('Websites', `${rows.length} tracked in this workspace.`),
    table(
      ['Name', 'Origin', 'Visitor id'],
      rows.map((row) => ({
        attributes: { 'data-website-id': row.id },
        cells: [h('a', { href: `/ui/websites/${row.id}` }, row.name), row.origin, row.visitor_id_mode],
      })),
      { class: 'list', 'data-list': 'websites' },
    ),
  );
}
