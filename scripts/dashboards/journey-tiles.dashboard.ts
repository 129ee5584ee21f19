import { BUCKET_RANGE, bound, EMAIL_KPI_TABLE, EVENT_RANGE, intervalStart, JOURNEY, journeyVariable, WORKSPACE, workspaceVariable } from './dashboard-sql';
import { EMAIL_KPI } from './email-panels';
import { queryVariable } from './grafana-model';
import { dashboard, type Dashboard, type PanelSpec } from './grafana-model';
import { goalPanels } from './journey-goal-panels';

/*
 * Tile KPIs count contacts per iteration (docs/kpis.md#journey-tile-kpis):
 * distinct contacts within each iteration, summed over iterations. Processing = inflow − processed − blocked − failed.
 */

const TILE_WHERE = `workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY} AND ${BUCKET_RANGE}`;

/** Contacts per (tile, iteration, metric, breakdown), the unit every tile KPI sums. */
const perIteration = (extraKeys = ''): string =>
  `SELECT tile_id, tile_type, iteration, metric, breakdown${extraKeys}, uniqExactMerge(contacts) AS c FROM kpi_tile_glossary WHERE ${TILE_WHERE} GROUP BY tile_id, tile_type, iteration, metric, breakdown${extraKeys}`;

const volumeSql = [
  "SELECT tile_id, any(tile_type) AS tile_type, sumIf(c, metric = 'inflow') AS inflow,",
  "greatest(toInt64(inflow) - toInt64(processed) - toInt64(blocked) - toInt64(failed), 0) AS processing,",
  "sumIf(c, metric = 'blocked') AS blocked, sumIf(c, metric = 'failed') AS failed, sumIf(c, metric = 'processed') AS processed",
  `FROM (${perIteration()}) GROUP BY tile_id ORDER BY tile_id`,
].join(' ');

const pathsSql = [
  'SELECT tile_id, path_id, contacts, round(contacts / sum_contacts, 4) AS share FROM',
  `(SELECT tile_id, breakdown AS path_id, sum(c) AS contacts FROM (${perIteration()}) WHERE metric = 'path_taken' GROUP BY tile_id, path_id) AS paths`,
  `ANY LEFT JOIN (SELECT tile_id, sum(c) AS sum_contacts FROM (${perIteration()}) WHERE metric = 'path_taken' GROUP BY tile_id) AS tiles USING tile_id`,
  'ORDER BY tile_id, path_id',
].join(' ');

const reasonsSql = (metric: 'blocked' | 'failed', label: string): string =>
  `SELECT tile_id, breakdown AS ${label}, sum(c) AS contacts FROM (${perIteration()}) WHERE metric = '${metric}' GROUP BY tile_id, breakdown ORDER BY tile_id, ${label}`;

/** One series per tile (or tile/path): contacts per Grafana interval, per iteration. */
const overTimeSql = (metric: string, series: string): string => {
  const time = `, ${intervalStart('bucket', 900)} AS time`;
  return `SELECT time, ${series} AS series, sum(c) AS contacts FROM (${perIteration(time)}) WHERE metric = '${metric}' GROUP BY time, series ORDER BY time, series`;
};

/*
 * The contacts behind the tile numbers and one contact's timeline (the insights pages' tile contacts and contact
 * pages): events_raw for the journey's tile events, contact_events (sorted by contact) for the timeline.
 */
const CONTACT = bound('contact_id');
const TILE_EVENT = "event_type IN ('tile_inflow', 'tile_processed', 'tile_blocked', 'tile_failed')";
const contactsSql = [
  "SELECT tile_id, contact_id, uniqExactIf(iteration, event_type = 'tile_inflow') AS inflow,",
  "uniqExactIf(iteration, event_type = 'tile_processed') AS processed, uniqExactIf(iteration, event_type = 'tile_blocked') AS blocked,",
  "uniqExactIf(iteration, event_type = 'tile_failed') AS failed",
  `FROM events_raw WHERE workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY} AND ${EVENT_RANGE} AND ${TILE_EVENT}`,
  'GROUP BY tile_id, contact_id ORDER BY tile_id, contact_id LIMIT 1000',
].join(' ');
const CONTACT_WHERE = `workspace_id = ${WORKSPACE} AND contact_id = ${CONTACT} AND ${EVENT_RANGE}`;
// FINAL folds replays of one event the ReplacingMergeTree has not merged yet, as the API's timeline does
const timelineSql = [
  'SELECT event_time AS time, event_type, email_id, email_version, journey_id, tile_id, url, reason, machine',
  `FROM contact_events FINAL WHERE ${CONTACT_WHERE} ORDER BY time DESC, event_type, tile_id, event_id LIMIT 500`,
].join(' ');
const byTypeSql = `SELECT event_type, uniqExact(event_id) AS events FROM contact_events WHERE ${CONTACT_WHERE} GROUP BY event_type ORDER BY event_type`;
const TIMELINE_LINK = '/d/cairn-journey-tiles/?var-workspace_id=${workspace_id}&var-journey_id=${journey_id}&var-contact_id=${__value.raw}&${__url_time_range}';

/** The contact picker: contacts with events on the journey (a tile contacts row links here too). */
const contactVariable = () =>
  queryVariable('contact_id', 'Contact', 'A contact of the journey (its id), for its timeline', `SELECT DISTINCT contact_id FROM contact_events WHERE workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY} ORDER BY contact_id LIMIT 1000`);

const contactPanels: PanelSpec[] = [
  {
    type: 'table', title: 'Contacts at each tile (iterations per state)', w: 24, h: 9, sql: contactsSql,
    description: 'Each contact\'s iterations that entered, were processed, blocked or failed at each tile (first 1,000 rows); a contact id opens its timeline below.',
    overrides: [{ matcher: { id: 'byName', options: 'contact_id' }, properties: [{ id: 'links', value: [{ title: 'Timeline of this contact', url: TIMELINE_LINK }] }] }],
  },
  { type: 'table', title: 'Contact timeline', w: 16, h: 9, sql: timelineSql, description: 'The picked contact\'s interactions, newest first (500 at most): tile steps, sends, opens, clicks and the rest, machine traffic flagged.' },
  { type: 'table', title: 'Contact interactions by type', w: 8, h: 9, sql: byTypeSql, description: 'The picked contact\'s events by type in the time range.' },
];

/*
 * A/B test tiles (docs/kpis.md#ab-test): an email tile sends its one email, so the journey's tiles that sent more than
 * one email are its A/B test tiles. Their variants' email KPIs count the test's and the winner's sends together (the
 * events do not say which): the test's own counts, statistics and decision are GET .../tiles/{tileId}/ab.
 */
const JOURNEY_EMAILS = `workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY}`;
const AB_TILES = `SELECT tile_id FROM ${EMAIL_KPI_TABLE} WHERE ${JOURNEY_EMAILS} AND tile_id != '' GROUP BY tile_id HAVING uniqExact(email_id) > 1`;
const abVariantsSql = [
  `SELECT tile_id, email_id, ${EMAIL_KPI.sent} AS sent, ${EMAIL_KPI.openedUnique} AS unique_opens, ${EMAIL_KPI.clickedUnique} AS unique_clicks,`,
  'round(unique_opens / greatest(sent, 1), 4) AS open_rate, round(unique_clicks / greatest(sent, 1), 4) AS click_rate',
  `FROM ${EMAIL_KPI_TABLE} WHERE ${JOURNEY_EMAILS} AND ${BUCKET_RANGE} AND tile_id IN (${AB_TILES})`,
  'GROUP BY tile_id, email_id ORDER BY tile_id, email_id',
].join(' ');
// one row per decision (a relayed-again event has the same id and the same (tile, iteration))
const abDecisionsSql = [
  "SELECT event_time AS time, tile_id, iteration, visitParamExtractString(detail, 'winner_label') AS winner, reason,",
  "visitParamExtractString(detail, 'metric') AS metric, visitParamExtractString(detail, 'winner_email_id') AS winner_email_id",
  `FROM events_raw WHERE ${JOURNEY_EMAILS} AND ${EVENT_RANGE} AND event_type = 'ab_test_decided'`,
  'ORDER BY time DESC, tile_id, iteration LIMIT 1 BY tile_id, iteration',
].join(' ');

const abPanels: PanelSpec[] = [
  {
    type: 'table', title: 'A/B test variants (test and winner sends)', w: 14, h: 8, sql: abVariantsSql,
    description: 'Per A/B test tile and variant email: Sent, unique opens and clicks (human) and their rates over Sent, the test\'s and the winner\'s sends together.',
    overrides: ['open_rate', 'click_rate'].map((name) => ({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: 'percentunit' }] })),
  },
  { type: 'table', title: 'A/B test decisions', w: 10, h: 8, sql: abDecisionsSql, description: 'Each A/B test tile\'s decision per iteration: when, the winner, significant or fallback, and the metric.' },
];

const panels: PanelSpec[] = [
  {
    type: 'table', title: 'Tile volume (processing = inflow − processed − blocked − failed)', w: 24, h: 9, sql: volumeSql,
    description: 'Contacts per iteration at each tile: inflow, still processing (waiting), blocked, failed, processed.',
  },
  {
    type: 'table', title: 'Paths taken (share of the tile\'s contacts on each path)', w: 12, h: 8, sql: pathsSql,
    description: 'Trigger and splitter tiles: contacts per path and their share of the contacts that took any path there.',
    overrides: [{ matcher: { id: 'byName', options: 'share' }, properties: [{ id: 'unit', value: 'percentunit' }] }],
  },
  {
    type: 'table', title: 'Blocked by reason (journey Blocked, not the email KPI)', w: 6, h: 8, sql: reasonsSql('blocked', 'reason'),
    description: 'Unsubscribed from the journey\'s list, in its suppression segment, or consent below the journey\'s minimum.',
  },
  { type: 'table', title: 'Failed by error', w: 6, h: 8, sql: reasonsSql('failed', 'error_code'), description: 'Contacts that failed to be processed at the tile, by error code.' },
  { type: 'timeseries', title: 'Inflow per tile over time', w: 12, h: 9, sql: overTimeSql('inflow', 'tile_id'), description: 'Contacts entering each tile per interval (15 minutes at least).' },
  { type: 'timeseries', title: 'Processed per tile over time', w: 12, h: 9, sql: overTimeSql('processed', 'tile_id'), description: 'Contacts successfully processed at each tile per interval.' },
  { type: 'timeseries', title: 'Paths taken over time', w: 24, h: 9, sql: overTimeSql('path_taken', "concat(tile_id, ' → ', breakdown)"), description: 'Contacts going down each path (tile → path) per interval.' },
  ...abPanels,
  ...goalPanels,
  ...contactPanels,
];

export function journeyTilesDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-journey-tiles',
    title: 'Cairn — journey tiles',
    description: 'A journey\'s tile KPIs (docs/kpis.md#journey-tile-kpis) over kpi_tile_glossary: per tile, per path, and over time.',
    variables: [workspaceVariable(), journeyVariable(), contactVariable()],
    panels,
  });
}
