import { ApiError, apiGet, apiList, rangeQuery } from './api-client';
import type {
  FormDay,
  FormKpis,
  PageCountry,
  PageDay,
  PageKpis,
  PageOrFormRow,
  PageVisit,
  SubmissionRow,
} from './api-types';
import { countsChart } from './charts';
import { h, table, type Child } from './dom';
import { formatCount, formatPercent } from './format';
import { pageTitle, rangeFilter, section, statusBadge, type Shell } from './page-shell';

/**
 * A marketing page's and a marketing form's insights (docs/kpis.md#page-and-form-kpis): KPI cards, the numbers per
 * day, visits by country, and the rows behind them (the newest visits and submissions with their content). Every
 * number is a field of GET /v1/insights/pages/{id}[/responses|/geography|/visits|/submissions] or
 * /v1/insights/forms/{id}[/responses|/submissions], printed with format.ts; each carries data-kpi naming its field.
 */

const ROWS_SHOWN = 100;

export const kpi = (
  label: string,
  field: string,
  value: number,
  text = formatCount(value),
  note?: string,
): HTMLElement =>
  h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, h('span', { 'data-kpi': field, 'data-value': value }, text)),
    note ? h('span', { class: 'kpi-note' }, note) : null,
  );

export const grid = (...cards: HTMLElement[]): HTMLElement => h('div', { class: 'kpi-grid' }, ...cards);

/** The page's or form's name, or its id when the API has none to give (it was deleted, or no such route yet). */
async function nameOf(kind: 'pages' | 'forms', id: string): Promise<PageOrFormRow> {
  return apiGet<PageOrFormRow>(`/v1/${kind}/${id}`).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return { id, name: id, status: 'unknown' };
    throw error;
  });
}

/** The journey filter of a page (journey_id in the page URL, a UUID), appended to the day range's query. */
function withJourney(range: string, search: URLSearchParams): string {
  const journey = search.get('journey_id');
  if (!journey || !/^[0-9a-fA-F-]{36}$/.test(journey)) return range;
  return `${range}${range ? '&' : '?'}journey_id=${encodeURIComponent(journey)}`;
}

/** Per-day table plus a bar chart of its first column; the chart is drawn once the page is in the document. */
export function perDay<T extends { day: string }>(
  title: string,
  days: T[],
  columns: Array<[string, keyof T & string]>,
) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const data = table(
    ['Day', ...columns.map(([label]) => label)],
    days.map((d) => ({
      attributes: { 'data-day': d.day },
      cells: [d.day, ...columns.map(([, f]) => formatCount(Number(d[f])))],
    })),
    { class: 'compact', 'data-table': 'days' },
  );
  const first = columns[0]?.[1];
  const element = section(
    title,
    days.length === 0 ? h('p', { class: 'muted' }, 'Nothing in this period.') : h('div', { class: 'chart' }, canvas),
    h('details', {}, h('summary', {}, 'Data'), data),
  );
  const draw = () =>
    void (
      days.length > 0 &&
      first &&
      countsChart(
        canvas,
        days.map((d) => d.day),
        days.map((d) => Number(d[first])),
      )
    );
  return { element, draw };
}

/** A submission's content: a few values in the cell, every value in its tooltip. */
function content(fields: Record<string, unknown>): Child {
  const text = Object.entries(fields).map(
    ([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return h(
    'span',
    { class: 'url', title: text.join('\n') },
    text.slice(0, 3).join(' · ') + (text.length > 3 ? ' …' : ''),
  );
}

function submissionsSection(rows: SubmissionRow[]): HTMLElement {
  return section(
    'Submissions',
    h(
      'p',
      { class: 'muted' },
      `The newest ${ROWS_SHOWN} accepted submissions; hover the content for every value. CSV: …/submissions.csv.`,
    ),
    table(
      ['Submitted (UTC)', 'Contact', 'Contact outcome', 'Lead outcome', 'Content'],
      rows.map((r) => ({
        attributes: { 'data-submission-id': r.submissionId },
        cells: [
          r.at.slice(0, 19).replace('T', ' '),
          r.contactId ? h('a', { href: `/ui/contacts/${r.contactId}` }, r.contactId.slice(0, 8)) : '—',
          r.contactOutcome,
          r.leadOutcome,
          content(r.fields),
        ],
      })),
      { class: 'list', 'data-table': 'submissions' },
    ),
  );
}

function visitsSection(visits: PageVisit[]): HTMLElement {
  return section(
    'Visits',
    h(
      'p',
      { class: 'muted' },
      `The newest ${ROWS_SHOWN} human visits. CSV (machine traffic with machine=true): …/visits.csv.`,
    ),
    table(
      ['Visited (UTC)', 'Visitor', 'Country', 'Through a message'],
      visits.map((v) => ({
        attributes: { 'data-visit-id': v.eventId },
        cells: [
          v.at,
          v.contactId ? h('a', { href: `/ui/contacts/${v.contactId}` }, v.contactId.slice(0, 8)) : 'anonymous',
          v.country ?? 'unknown',
          v.messageId ? 'yes' : 'no',
        ],
      })),
      { class: 'list', 'data-table': 'visits' },
    ),
  );
}

function geographySection(countries: PageCountry[]): HTMLElement {
  return section(
    'Visits by country',
    table(
      ['Country', 'Visits', 'Unique visitors'],
      countries.map((c) => ({
        attributes: { 'data-country': c.country ?? '' },
        cells: [c.country ?? 'unknown', formatCount(c.visits), formatCount(c.uniqueVisitors)],
      })),
      { class: 'compact', 'data-table': 'countries' },
    ),
  );
}

export async function renderPageInsightsPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const query = withJourney(rangeQuery(search), search);
  const base = `/v1/insights/pages/${id}`;
  const rows = `${query}${query ? '&' : '?'}limit=${ROWS_SHOWN}`;
  const [page, kpis, days, countries, visits, submissions] = await Promise.all([
    nameOf('pages', id),
    apiGet<PageKpis>(`${base}${query}`),
    apiGet<{ items: PageDay[] }>(`${base}/responses${query}`),
    apiGet<{ items: PageCountry[] }>(`${base}/geography${query}`),
    apiGet<{ items: PageVisit[] }>(`${base}/visits${rows}`),
    apiGet<{ items: SubmissionRow[] }>(`${base}/submissions${rows}`),
  ]);
  document.title = `${page.name} · Cairn insights`;
  const overTime = perDay('Visits over time', days.items, [
    ['Visits', 'visits'],
    ['Unique visitors', 'uniqueVisitors'],
    ['Submissions', 'submissions'],
  ]);
  shell.main.replaceChildren(
    pageTitle(page.name, 'Marketing page', statusBadge(page.status)),
    rangeFilter(search),
    section(
      'Key performance indicators',
      grid(
        kpi('Visits', 'visits', kpis.visits, undefined, 'human page views'),
        kpi('Unique visitors', 'uniqueVisitors', kpis.uniqueVisitors),
        kpi('Submissions', 'submissions', kpis.submissions),
        kpi(
          'Conversion rate',
          'conversionRate',
          kpis.conversionRate,
          formatPercent(kpis.conversionRate),
          'submissions ÷ unique visitors',
        ),
        kpi('Machine visits', 'machineVisits', kpis.machineVisits, undefined, 'kept, outside every other number'),
      ),
    ),
    overTime.element,
    geographySection(countries.items),
    visitsSection(visits.items),
    submissionsSection(submissions.items),
  );
  overTime.draw();
}

const FORM_COLUMNS: Array<[string, keyof FormKpis]> = [
  ['Submissions', 'submissions'],
  ['Contacts created', 'contactsCreated'],
  ['Contacts updated', 'contactsUpdated'],
  ['Leads created', 'leadsCreated'],
  ['Leads updated', 'leadsUpdated'],
  ['Confirmation pending', 'confirmationPending'],
];

export async function renderFormInsightsPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const query = rangeQuery(search);
  const base = `/v1/insights/forms/${id}`;
  const [form, kpis, days, submissions] = await Promise.all([
    nameOf('forms', id),
    apiGet<FormKpis>(`${base}${query}`),
    apiGet<{ items: FormDay[] }>(`${base}/responses${query}`),
    apiGet<{ items: SubmissionRow[] }>(`${base}/submissions${query}${query ? '&' : '?'}limit=${ROWS_SHOWN}`),
  ]);
  document.title = `${form.name} · Cairn insights`;
  const overTime = perDay('Submissions over time', days.items, FORM_COLUMNS);
  shell.main.replaceChildren(
    pageTitle(form.name, 'Marketing form: every page and embedding', statusBadge(form.status)),
    rangeFilter(search),
    section(
      'Key performance indicators',
      grid(...FORM_COLUMNS.map(([label, field]) => kpi(label, field, kpis[field]))),
    ),
    overTime.element,
    submissionsSection(submissions.items),
  );
  overTime.draw();
}

/** The workspace's pages or forms (GET /v1/pages, /v1/forms), each linking to its insights. */
export async function renderWebList(shell: Shell, kind: 'pages' | 'forms'): Promise<void> {
  const rows = await apiList<PageOrFormRow>(`/v1/${kind}`);
  const title = kind === 'pages' ? 'Marketing pages' : 'Marketing forms';
  shell.main.replaceChildren(
    pageTitle(title, `${rows.length} in this workspace; insights count what happened while they were live.`),
    table(
      ['Name', 'Status', 'Live version'],
      rows.map((row) => ({
        attributes: { [`data-${kind.slice(0, -1)}-id`]: row.id },
        cells: [h('a', { href: `/ui/${kind}/${row.id}` }, row.name), statusBadge(row.status), row.live_version ?? '—'],
      })),
      { class: 'list', 'data-list': kind },
    ),
  );
}
