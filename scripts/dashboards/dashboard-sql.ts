import { queryVariable, type Variable } from './grafana-model';

/*
 * SQL fragments shared by the dashboards: Grafana's variables and the ClickHouse plugin's time macros.
 *
 * NOTE: a dashboard variable is user input (a viewer can set it in the URL). It never reaches the SQL as text:
 * Grafana's `percentencode` format leaves only [A-Za-z0-9-_.~%] (every quote and backslash becomes %XX), and
 * ClickHouse decodes it back inside the string literal, so no value can end the literal. test/dashboards binds a
 * hostile value the same way and checks it matches nothing on both ClickHouse versions.
 */
export const bound = (variable: string): string => `decodeURLComponent('\${${variable}:percentencode}')`;

export const WORKSPACE = bound('workspace_id');
export const EMAIL = bound('email_id');
export const JOURNEY = bound('journey_id');

/** `column = value`, or true when the variable is '' (its "all" option). */
export const optionalEquals = (column: string, variable: string): string => `(${bound(variable)} = '' OR ${column} = ${bound(variable)})`;

/** Dashboard time range over the glossary tables' 15-minute buckets; the UTC day column prunes partitions. */
export const BUCKET_RANGE = 'day BETWEEN toDate($__fromTime) - 1 AND toDate($__toTime) + 1 AND bucket BETWEEN $__fromTime AND $__toTime';

/** Dashboard time range over events_raw by the events' own time; event_date prunes partitions. */
export const EVENT_RANGE = 'event_date BETWEEN toDate($__fromTime) - 1 AND toDate($__toTime) + 1 AND event_time BETWEEN $__fromTime AND $__toTime';

/** The start of Grafana's interval (never finer than the glossary tables' 15-minute buckets) holding `column`. */
export const intervalStart = (column: string, minimumSeconds = 1): string =>
  `toDateTime(intDiv(toUInt32(${column}), greatest($__interval_s, ${minimumSeconds})) * greatest($__interval_s, ${minimumSeconds}))`;

/** The email KPI table the dashboards read, as the insights API does (sql/clickhouse/0130: one row set per tile). */
export const EMAIL_KPI_TABLE = 'kpi_email_tile_glossary';

/** The workspace, email and journey filters of the email dashboards (email and journey may be "all"). */
export const EMAIL_JOURNEY_SCOPE = `workspace_id = ${WORKSPACE} AND ${optionalEquals('email_id', 'email_id')} AND ${optionalEquals('journey_id', 'journey_id')}`;

/** With the tile filter too (tile may be "all"): the tables that keep the tile (kpi_email_tile_glossary). */
export const EMAIL_SCOPE = `${EMAIL_JOURNEY_SCOPE} AND ${optionalEquals('tile_id', 'tile_id')}`;

const WORKSPACES_SQL =
  `SELECT workspace_id AS value, workspace_id AS label FROM (SELECT DISTINCT workspace_id FROM ${EMAIL_KPI_TABLE} UNION ALL SELECT DISTINCT workspace_id FROM kpi_tile_glossary) GROUP BY workspace_id`;

/** Workspace picker; with `all`, a first option '' covers every workspace. */
export function workspaceVariable(all = false): Variable {
  const sql = all
    ? `SELECT value, label FROM (SELECT '' AS value, '(all workspaces)' AS label UNION ALL ${WORKSPACES_SQL}) ORDER BY value`
    : `SELECT value, label FROM (${WORKSPACES_SQL}) ORDER BY value`;
  return queryVariable('workspace_id', 'Workspace', all ? 'One workspace, or (all workspaces)' : 'Workspaces with email or journey events', sql);
}

/** Email picker; with `all`, a first option '' covers every email of the workspace. */
export function emailVariable(all: boolean): Variable {
  const emails = `SELECT DISTINCT email_id AS value, email_id AS label FROM ${EMAIL_KPI_TABLE} WHERE workspace_id = ${WORKSPACE}`;
  const sql = all
    ? `SELECT value, label FROM (SELECT '' AS value, '(all emails)' AS label UNION ALL ${emails}) ORDER BY value`
    : `SELECT value, label FROM (${emails}) ORDER BY value`;
  return queryVariable('email_id', 'Email', all ? 'One email (its id), or (all emails) of the workspace' : 'The email (its id)', sql);
}

/** Journey filter of the email dashboards: '' (all journeys) first, then the journeys that sent the email(s). */
export function emailJourneyVariable(): Variable {
  const journeys = `SELECT DISTINCT journey_id AS value, journey_id AS label FROM ${EMAIL_KPI_TABLE} WHERE workspace_id = ${WORKSPACE} AND ${optionalEquals('email_id', 'email_id')} AND journey_id != ''`;
  const sql = `SELECT value, label FROM (SELECT '' AS value, '(all journeys)' AS label UNION ALL ${journeys}) ORDER BY value`;
  return queryVariable('journey_id', 'Journey', 'Only the sends of one journey; (all journeys) by default', sql);
}

/**
 * Tile filter of the email dashboards: '' (all tiles) first, then the tiles of the chosen journey that sent the
 * email(s): one email used by two tiles of a journey is told apart (docs/kpis.md#email-kpis-per-tile).
 */
export function emailTileVariable(): Variable {
  const tiles = `SELECT DISTINCT tile_id AS value, tile_id AS label FROM ${EMAIL_KPI_TABLE} WHERE workspace_id = ${WORKSPACE} AND ${optionalEquals('email_id', 'email_id')} AND ${optionalEquals('journey_id', 'journey_id')} AND tile_id != ''`;
  const sql = `SELECT value, label FROM (SELECT '' AS value, '(all tiles)' AS label UNION ALL ${tiles}) ORDER BY value`;
  return queryVariable('tile_id', 'Tile', "Only the sends of one tile of the journey; (all tiles) by default", sql);
}

/** The journey of the journey tiles dashboard (required). */
export const journeyVariable = (): Variable =>
  queryVariable('journey_id', 'Journey', 'The journey (its id)', `SELECT DISTINCT journey_id FROM kpi_tile_glossary WHERE workspace_id = ${WORKSPACE} ORDER BY journey_id`);
