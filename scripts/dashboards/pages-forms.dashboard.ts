import { FORM_KPI_COUNTS, PAGE_KPI_COUNTS } from '../../services/api/insights/page-form-kpis';
import { bound, EVENT_RANGE, intervalStart, optionalEquals, WORKSPACE } from './dashboard-sql';
import { dashboard, queryVariable, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * Page and form insights (docs/kpis.md#page-and-form-kpis) over the raw page_visited and form_submitted events, with
 * the insights API's own expressions (services/api/insights/page-form-kpis.ts: PAGE_KPI_COUNTS, FORM_KPI_COUNTS)
 * rendered into the SQL, so a definition is never written twice. Variables are bound as every dashboard binds them
 * (dashboard-sql.ts: percent-encoded, decoded inside the literal).
 */

const PAGE = Object.fromEntries(Object.entries(PAGE_KPI_COUNTS).map(([name, expr]) => [name, expr.text]));
const FORM = Object.fromEntries(Object.entries(FORM_KPI_COUNTS).map(([name, expr]) => [name, expr.text]));
const detail = (field: string): string => `visitParamExtractString(detail, '${field}')`;
const WEB_EVENTS = "event_type IN ('page_visited', 'form_submitted')";
const PAGE_WHERE = `workspace_id = ${WORKSPACE} AND ${WEB_EVENTS} AND ${detail('page_id')} = ${bound('page_id')} AND ${optionalEquals('journey_id', 'journey_id')} AND ${EVENT_RANGE}`;
const FORM_WHERE = `workspace_id = ${WORKSPACE} AND event_type = 'form_submitted' AND ${detail('form_id')} = ${bound('form_id')} AND ${EVENT_RANGE}`;

const pageKpisSql = [
  `SELECT ${PAGE.visits} AS Visits, ${PAGE.uniqueVisitors} AS \`Unique visitors\`, ${PAGE.submissions} AS Submissions,`,
  `if(${PAGE.uniqueVisitors} > 0, ${PAGE.submissions} / ${PAGE.uniqueVisitors}, 0) AS \`Conversion rate\`,`,
  `${PAGE.machineVisits} AS \`Machine visits\` FROM events_raw WHERE ${PAGE_WHERE}`,
].join(' ');

const pageOverTimeSql = [
  `SELECT ${intervalStart('event_time')} AS time, ${PAGE.visits} AS visits, ${PAGE.uniqueVisitors} AS unique_visitors,`,
  `${PAGE.submissions} AS submissions FROM events_raw WHERE ${PAGE_WHERE} AND machine = 0 GROUP BY time ORDER BY time`,
].join(' ');

const countrySql = [
  `SELECT if(${detail('country')} = '', '(unknown)', ${detail('country')}) AS country, ${PAGE.visits} AS visits,`,
  `${PAGE.uniqueVisitors} AS unique_visitors FROM events_raw WHERE ${PAGE_WHERE} AND event_type = 'page_visited' AND machine = 0`,
  'GROUP BY country ORDER BY unique_visitors DESC, visits DESC, country',
].join(' ');

const formKpisSql = [
  `SELECT ${FORM.submissions} AS Submissions, ${FORM.contactsCreated} AS \`Contacts created\`,`,
  `${FORM.contactsUpdated} AS \`Contacts updated\`, ${FORM.leadsCreated} AS \`Leads created\`,`,
  `${FORM.leadsUpdated} AS \`Leads updated\`, ${FORM.confirmationPending} AS \`Confirmation pending\``,
  `FROM events_raw WHERE ${FORM_WHERE}`,
].join(' ');

const formOverTimeSql = [
  `SELECT ${intervalStart('event_time')} AS time, ${FORM.submissions} AS submissions, ${FORM.contactsCreated} AS contacts_created,`,
  `${FORM.contactsUpdated} AS contacts_updated, ${FORM.leadsCreated} AS leads_created, ${FORM.leadsUpdated} AS leads_updated`,
  `FROM events_raw WHERE ${FORM_WHERE} AND machine = 0 GROUP BY time ORDER BY time`,
].join(' ');

/** One row per submission however often its event was replayed; the content is in PostgreSQL (the API's listing). */
const latestSubmissionsSql = [
  `SELECT event_time AS time, ${detail('submission_id')} AS submission_id, contact_id AS contact,`,
  `${detail('contact_outcome')} AS contact_outcome, ${detail('lead_outcome')} AS lead_outcome, ${detail('page_id')} AS page,`,
  `journey_id AS journey, ${detail('country')} AS client_country FROM events_raw WHERE ${FORM_WHERE} AND machine = 0`,
  'ORDER BY time DESC, submission_id LIMIT 1 BY submission_id LIMIT 100',
].join(' ');

const distinctOf = (field: string, eventTypes: string): string =>
  `SELECT DISTINCT ${detail(field)} AS value, ${detail(field)} AS label FROM events_raw WHERE workspace_id = ${WORKSPACE} AND ${eventTypes} AND ${detail(field)} != '' ORDER BY value`;
const journeys = `SELECT DISTINCT journey_id AS value, journey_id AS label FROM events_raw WHERE workspace_id = ${WORKSPACE} AND ${WEB_EVENTS} AND ${detail('page_id')} = ${bound('page_id')} AND journey_id != ''`;

const variables = [
  queryVariable('workspace_id', 'Workspace', 'Workspaces with page visits or form submissions', `SELECT DISTINCT workspace_id AS value, workspace_id AS label FROM events_raw WHERE ${WEB_EVENTS} ORDER BY value`),
  queryVariable('page_id', 'Page', 'The marketing page (its id)', distinctOf('page_id', WEB_EVENTS)),
  queryVariable('journey_id', 'Journey', "Only visits and submissions through a landing-page link of one journey's messages; (all journeys) by default", `SELECT value, label FROM (SELECT '' AS value, '(all journeys)' AS label UNION ALL ${journeys}) ORDER BY value`),
  queryVariable('form_id', 'Form', 'The marketing form (its id): every page and embedding, the time range only', distinctOf('form_id', "event_type = 'form_submitted'")),
];

const percent = { unit: 'percentunit' };
const panels: PanelSpec[] = [
  { type: 'stat', title: 'Page', w: 24, h: 4, sql: pageKpisSql, overrides: [{ matcher: { id: 'byName', options: 'Conversion rate' }, properties: [{ id: 'unit', value: percent.unit }] }], description: 'Human visits and unique visitors (a known contact once, an anonymous page load once), submissions on the page, conversion rate = submissions ÷ unique visitors; machine visits apart (docs/kpis.md).' },
  { type: 'timeseries', title: 'Page visits over time (human)', w: 12, h: 9, sql: pageOverTimeSql, description: 'Per Grafana interval: visits, unique visitors within the interval, submissions.' },
  { type: 'table', title: 'Page visits by country (human)', w: 12, h: 9, sql: countrySql, description: 'By the country of the client address at ingest; (unknown): IPv6, private or not looked up. Includes IP2Location LITE data available from https://lite.ip2location.com' },
  { type: 'stat', title: 'Form', w: 24, h: 4, sql: formKpisSql, description: 'Accepted human submissions of the form on any page, and what they did: contacts created or updated, leads created or updated, double opt-in confirmations pending.' },
  { type: 'timeseries', title: 'Form submissions over time', w: 12, h: 9, sql: formOverTimeSql, description: 'Per Grafana interval: submissions and their contact and lead outcomes.' },
  { type: 'table', title: 'Latest form submissions', w: 12, h: 9, sql: latestSubmissionsSql, description: 'The newest 100 submissions (one row each); their content is in PostgreSQL: GET /v1/insights/forms/{id}/submissions.' },
];

export function pagesFormsDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-pages-forms',
    title: 'Cairn — pages and forms',
    description: 'One marketing page\'s visits, visitors, submissions and conversion, and one form\'s submissions and outcomes, as the insights API counts them (docs/kpis.md).',
    variables,
    panels,
  });
}
