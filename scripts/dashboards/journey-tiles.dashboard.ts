import { BUCKET_RANGE, intervalStart, JOURNEY, journeyVariable, WORKSPACE, workspaceVariable } from './dashboard-sql';
import { dashboard, type Dashboard, type PanelSpec } from './grafana-model';

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
];

export function journeyTilesDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-journey-tiles',
    title: 'Cairn — journey tiles',
    description: 'A journey\'s tile KPIs (docs/kpis.md#journey-tile-kpis) over kpi_tile_glossary: per tile, per path, and over time.',
    variables: [workspaceVariable(), journeyVariable()],
    panels,
  });
}
