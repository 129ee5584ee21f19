import { bound, EVENT_RANGE, intervalStart, WORKSPACE } from './dashboard-sql';
import { dashboard, queryVariable, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * Lead scoring (docs/kpis.md#lead-scoring) in ClickHouse: the lead_score_crossed events the scheduler emits once per
 * (model, version, contact) when a score reaches the version's threshold (docs/lead-scoring.md#crossing), each event
 * counted once however often it was replayed. Scores and the ledger live in PostgreSQL; the API's insights read those.
 */

const detail = (field: string): string => `visitParamExtractString(detail, '${field}')`;
const CROSSED = "event_type = 'lead_score_crossed'";
const WHERE = `workspace_id = ${WORKSPACE} AND ${CROSSED} AND ${detail('model_id')} = ${bound('model_id')} AND ${EVENT_RANGE}`;

const crossedSql = [
  `SELECT uniqExact(event_id) AS Crossed, uniqExact(contact_id) AS Contacts,`,
  `uniqExact(toString(visitParamExtractUInt(detail, 'model_version'))) AS Versions FROM events_raw WHERE ${WHERE}`,
].join(' ');

const overTimeSql = [
  `SELECT ${intervalStart('event_time')} AS time, uniqExact(event_id) AS crossed FROM events_raw WHERE ${WHERE}`,
  'GROUP BY time ORDER BY time',
].join(' ');

const latestSql = [
  `SELECT event_time AS time, contact_id AS contact, visitParamExtractUInt(detail, 'model_version') AS version,`,
  `visitParamExtractInt(detail, 'score_milli') / 1000 AS score, visitParamExtractInt(detail, 'threshold_milli') / 1000 AS threshold`,
  `FROM events_raw WHERE ${WHERE} ORDER BY time DESC, contact LIMIT 1 BY event_id LIMIT 100`,
].join(' ');

const variables = [
  queryVariable('workspace_id', 'Workspace', 'Workspaces whose leads crossed a scoring threshold', `SELECT DISTINCT workspace_id AS value, workspace_id AS label FROM events_raw WHERE ${CROSSED} ORDER BY value`),
  queryVariable('model_id', 'Scoring model', 'The lead scoring model (its id)', `SELECT DISTINCT ${detail('model_id')} AS value, ${detail('model_id')} AS label FROM events_raw WHERE workspace_id = ${WORKSPACE} AND ${CROSSED} ORDER BY value`),
];

const panels: PanelSpec[] = [
  { type: 'stat', title: 'Sales-ready', w: 24, h: 4, sql: crossedSql, description: 'Crossings of the model\'s threshold in the range (once per version and contact), the contacts, the versions they crossed under.' },
  { type: 'timeseries', title: 'Crossings over time', w: 12, h: 9, sql: overTimeSql, description: 'Per Grafana interval: leads whose score reached the threshold.' },
  { type: 'table', title: 'Latest crossings', w: 12, h: 9, sql: latestSql, description: 'The newest 100: the contact, the version, its score just after the crossing event and the threshold (points).' },
];

export function leadScoringDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-lead-scoring',
    title: 'Cairn — lead scoring',
    description: 'The leads that crossed a lead scoring model\'s sales-ready threshold, over time (docs/kpis.md#lead-scoring).',
    variables,
    panels,
  });
}
