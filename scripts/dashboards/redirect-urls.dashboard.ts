import { REDIRECT_KPI_COUNTS } from '../../services/api/insights/redirect-url-kpis';
import { bound, EVENT_RANGE, intervalStart, WORKSPACE } from './dashboard-sql';
import { dashboard, queryVariable, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * Redirect URL insights (docs/kpis.md#redirect-url-kpis) over the raw redirect_clicked events, with the insights API's
 * own expressions (services/api/insights/redirect-url-kpis.ts: REDIRECT_KPI_COUNTS) rendered into the SQL, so a
 * definition is never written twice. Variables are bound as every dashboard binds them (dashboard-sql.ts).
 */

const KPI = Object.fromEntries(Object.entries(REDIRECT_KPI_COUNTS).map(([name, expr]) => [name, expr.text]));
const detail = (field: string): string => `visitParamExtractString(detail, '${field}')`;
const CLICKS = "event_type = 'redirect_clicked'";
const WHERE = `workspace_id = ${WORKSPACE} AND ${CLICKS} AND ${detail('redirect_url_id')} = ${bound('redirect_url_id')} AND ${EVENT_RANGE}`;

const kpisSql = `SELECT ${KPI.clicks} AS Clicks, ${KPI.humanClicks} AS \`Human clicks\`, ${KPI.machineClicks} AS \`Machine clicks\` FROM events_raw WHERE ${WHERE}`;

const overTimeSql = [
  `SELECT ${intervalStart('event_time')} AS time, ${KPI.humanClicks} AS human_clicks, ${KPI.machineClicks} AS machine_clicks`,
  `FROM events_raw WHERE ${WHERE} GROUP BY time ORDER BY time`,
].join(' ');

const countrySql = [
  `SELECT if(${detail('country')} = '', '(unknown)', ${detail('country')}) AS country, ${KPI.humanClicks} AS human_clicks`,
  `FROM events_raw WHERE ${WHERE} AND machine = 0 GROUP BY country ORDER BY human_clicks DESC, country`,
].join(' ');

/** The timeline: one row per click however often its event was replayed. */
const timelineSql = [
  `SELECT event_time AS time, ${detail('country')} AS client_country, ${detail('user_agent_class')} AS device,`,
  `machine_reason AS machine FROM events_raw WHERE ${WHERE}`,
  'ORDER BY time DESC, event_id LIMIT 1 BY event_id LIMIT 100',
].join(' ');

const variables = [
  queryVariable('workspace_id', 'Workspace', 'Workspaces with redirect URL clicks', `SELECT DISTINCT workspace_id AS value, workspace_id AS label FROM events_raw WHERE ${CLICKS} ORDER BY value`),
  queryVariable('redirect_url_id', 'Redirect URL', 'The redirect URL (its id)', `SELECT DISTINCT ${detail('redirect_url_id')} AS value, ${detail('redirect_url_id')} AS label FROM events_raw WHERE workspace_id = ${WORKSPACE} AND ${CLICKS} ORDER BY value`),
];

const panels: PanelSpec[] = [
  { type: 'stat', title: 'Clicks', w: 24, h: 4, sql: kpisSql, description: 'Every click (each redirect ingest answered), human clicks, and machine clicks (HEAD, prefetch, scanners) apart: Clicks = Human clicks + Machine clicks (docs/kpis.md).' },
  { type: 'timeseries', title: 'Clicks over time', w: 12, h: 9, sql: overTimeSql, description: 'Per Grafana interval: human and machine clicks.' },
  { type: 'table', title: 'Clicks by country (human)', w: 12, h: 9, sql: countrySql, description: 'By the country of the client address at ingest; (unknown): IPv6, private or not looked up. Includes IP2Location LITE data available from https://lite.ip2location.com' },
  { type: 'table', title: 'Timeline', w: 24, h: 9, sql: timelineSql, description: 'The newest 100 clicks: time, country, device class (from the user agent, which is not kept) and the machine reason (empty for a person).' },
];

export function redirectUrlsDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-redirect-urls',
    title: 'Cairn — redirect URLs',
    description: "One redirect URL's clicks, human and machine, by country and over time, as the insights API counts them (docs/kpis.md).",
    variables,
    panels,
  });
}
