import { WEBSITE_KPI_COUNTS } from '../../services/api/insights/website-kpis';
import { bound, EVENT_RANGE, intervalStart, WORKSPACE } from './dashboard-sql';
import { dashboard, queryVariable, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * Website insights (docs/kpis.md#website-kpis) over the raw web_page_viewed and web_link_clicked events, with the
 * insights API's own expressions (services/api/insights/website-kpis.ts: WEBSITE_KPI_COUNTS) rendered into the SQL,
 * so a definition is never written twice. Variables are bound as every dashboard binds them (dashboard-sql.ts).
 */

const WEB = Object.fromEntries(Object.entries(WEBSITE_KPI_COUNTS).map(([name, expr]) => [name, expr.text]));
const detail = (field: string): string => `visitParamExtractString(detail, '${field}')`;
const WEB_EVENTS = "event_type IN ('web_page_viewed', 'web_link_clicked')";
const SITE_WHERE = `workspace_id = ${WORKSPACE} AND ${WEB_EVENTS} AND ${detail('website_id')} = ${bound('website_id')} AND ${EVENT_RANGE}`;
const HUMAN_VIEWS = `${SITE_WHERE} AND event_type = 'web_page_viewed' AND machine = 0`;

const kpisSql = [
  `SELECT ${WEB.pageLoads} AS \`Page loads\`, ${WEB.uniqueVisitors} AS \`Unique visitors\`,`,
  `${WEB.knownVisitors} AS \`Known visitors\`, ${WEB.linkClicks} AS \`Link clicks\`, ${WEB.machineHits} AS \`Machine hits\``,
  `FROM events_raw WHERE ${SITE_WHERE}`,
].join(' ');

const timelineSql = [
  `SELECT ${intervalStart('event_time')} AS time, ${WEB.pageLoads} AS page_loads, ${WEB.uniqueVisitors} AS unique_visitors`,
  `FROM events_raw WHERE ${HUMAN_VIEWS} GROUP BY time ORDER BY time`,
].join(' ');

const pagesSql = [
  `SELECT url AS page, ${WEB.pageLoads} AS page_loads, ${WEB.uniqueVisitors} AS unique_visitors`,
  `FROM events_raw WHERE ${HUMAN_VIEWS} GROUP BY page ORDER BY page_loads DESC, page LIMIT 20`,
].join(' ');

const countrySql = [
  `SELECT if(${detail('country')} = '', '(unknown)', ${detail('country')}) AS country, ${WEB.pageLoads} AS page_loads,`,
  `${WEB.uniqueVisitors} AS unique_visitors FROM events_raw WHERE ${HUMAN_VIEWS}`,
  'GROUP BY country ORDER BY unique_visitors DESC, page_loads DESC, country',
].join(' ');

/** One row per page load however often its event was replayed. */
const latestLoadsSql = [
  `SELECT event_time AS time, url AS page, ${detail('title')} AS title, contact_id AS contact,`,
  `${detail('country')} AS client_country, message_id AS message FROM events_raw WHERE ${HUMAN_VIEWS}`,
  'ORDER BY time DESC, event_id LIMIT 1 BY event_id LIMIT 100',
].join(' ');

const variables = [
  queryVariable('workspace_id', 'Workspace', 'Workspaces with website activity', `SELECT DISTINCT workspace_id AS value, workspace_id AS label FROM events_raw WHERE ${WEB_EVENTS} ORDER BY value`),
  queryVariable('website_id', 'Website', 'The registered website (its id)', `SELECT DISTINCT ${detail('website_id')} AS value, ${detail('website_id')} AS label FROM events_raw WHERE workspace_id = ${WORKSPACE} AND ${WEB_EVENTS} ORDER BY value`),
];

const panels: PanelSpec[] = [
  { type: 'stat', title: 'Website', w: 24, h: 4, sql: kpisSql, description: 'Human page loads, unique visitors (a known contact once; an anonymous visitor by its first-party id or its page load), known visitors, link clicks; machine hits apart (docs/kpis.md).' },
  { type: 'timeseries', title: 'Page loads over time (human)', w: 24, h: 8, sql: timelineSql, description: 'Per Grafana interval: page loads and unique visitors within the interval.' },
  { type: 'table', title: 'Most popular pages (human)', w: 12, h: 9, sql: pagesSql, description: 'Page loads and unique visitors per path (never a query string), the 20 most loaded.' },
  { type: 'table', title: 'Visitors by country (human)', w: 12, h: 9, sql: countrySql, description: 'By the country of the client address at ingest; (unknown): IPv6, private or not looked up. Includes IP2Location LITE data available from https://lite.ip2location.com' },
  { type: 'table', title: 'Latest page loads', w: 24, h: 9, sql: latestLoadsSql, description: 'The newest 100 human page loads (one row each): the page, its title, the contact when the visit came from a tracked email click, the country.' },
];

export function webTrackingDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-web-tracking',
    title: 'Cairn — website tracking',
    description: "One registered website's page loads, visitors, link clicks, popular pages and countries, as the insights API counts them (docs/kpis.md).",
    variables,
    panels,
  });
}
