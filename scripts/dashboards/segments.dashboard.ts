import { journeysUsingSql, memberDaysSql } from '../../services/api/insights/segment-membership';
import { dashboard, POSTGRES, queryVariable, type Dashboard, type PanelSpec } from './grafana-model';

/*
 * Segment membership (docs/kpis.md#segment-membership) over PostgreSQL, where it is counted (segment_member_days)
 * and never leaves: the days and the journeys using the segment come from the insights API's own SQL
 * (services/api/insights/segment-membership.ts), rendered here with Grafana's bindings, so the dashboard and
 * GET /v1/insights/segments/{id} cannot count differently.
 *
 * NOTE: a variable is user input (a viewer can set it in the URL). It reaches the SQL only through Grafana's
 * `sqlstring` format (one quoted literal, every quote doubled) and is cast to uuid at once, so a value that is not an
 * id fails the cast and reads nothing; the data source's role may read only what these panels need
 * (stack/postgres/grafana-role.sql). test/dashboards/segments-dashboard.test.ts binds a hostile value the same way.
 */
const WORKSPACE = '${workspace_id:sqlstring}::uuid';
const SEGMENT = '${segment_id:sqlstring}::uuid';
/** Days are the workspace's calendar days, as the API counts them. */
const ZONE = `(SELECT time_zone FROM workspaces WHERE id = ${WORKSPACE})`;
const dayOf = (instant: string): string => `(${instant}::timestamptz AT TIME ZONE ${ZONE})::date`;
const TODAY = dayOf('now()');

const days = (from: string, to: string): string =>
  memberDaysSql({ workspaceId: WORKSPACE, segmentId: SEGMENT, from, to });
const RANGE_DAYS = days(dayOf('$__timeFrom()'), dayOf('$__timeTo()'));

const membersSql = `SELECT (d.day::date::timestamp AT TIME ZONE ${ZONE}) AS time, d.members AS "Members" FROM (${RANGE_DAYS}) d ORDER BY time`;

const entriesExitsSql = `SELECT d.day AS "Day", d.entered AS "Entered", d.exited AS "Exited" FROM (${RANGE_DAYS}) d ORDER BY d.day`;

const todaySql = `SELECT d.members AS "Members", d.entered AS "Entered today", d.exited AS "Exited today" FROM (${days(TODAY, TODAY)}) d`;

/** The segment id is compared as text there (jsonb keys and settings hold text), after the uuid cast checked it. */
const journeysSql = [
  `SELECT j.name AS "Journey", j.status AS "Status",`,
  `(SELECT string_agg(u.use->>'how' || coalesce(' (tile ' || (u.use->>'tile_id') || ')', ''), ', ' ORDER BY u.n) FROM jsonb_array_elements(j.uses) WITH ORDINALITY AS u(use, n)) AS "Uses",`,
  `j.id AS "Journey id" FROM (${journeysUsingSql({ workspaceId: WORKSPACE, segmentId: `${SEGMENT}::text` })}) j ORDER BY j.name, j.id`,
].join(' ');

const variables = [
  queryVariable(
    'workspace_id',
    'Workspace',
    'Workspaces with segments',
    "SELECT w.id::text AS __value, w.name || ' (' || w.id || ')' AS __text FROM workspaces w WHERE EXISTS (SELECT 1 FROM segments s WHERE s.workspace_id = w.id) ORDER BY w.name, w.id",
    POSTGRES,
  ),
  queryVariable(
    'segment_id',
    'Segment',
    "The workspace's segments",
    `SELECT s.id::text AS __value, s.name AS __text FROM segments s WHERE s.workspace_id = ${WORKSPACE} ORDER BY s.name, s.id`,
    POSTGRES,
  ),
];

const panels: PanelSpec[] = [
  { type: 'stat', title: 'Today', w: 24, h: 4, sql: todaySql, description: "Members at the end of today so far, and contacts that entered and exited the segment today (the workspace's calendar day)." },
  { type: 'timeseries', title: 'Members over time', w: 12, h: 9, sql: membersSql, description: "Members at the end of each of the workspace's days; a day without changes carries the last counted day forward, and a day before counting began (before the segment existed) is empty, not zero." },
  { type: 'barchart', title: 'Entries and exits per day', w: 12, h: 9, sql: entriesExitsSql, description: "Contacts that entered and exited the segment on each of the workspace's days, by every writer (refresh, static adds and removals, erasure, deleted contacts); a replayed add counts nothing." },
  { type: 'table', title: 'Journeys using the segment', w: 24, h: 7, sql: journeysSql, description: "The workspace's journeys that read the segment: as a segment tile's audience (entry), a segment tile's exclusion, or the journey's suppression segment." },
];

export function segmentsDashboard(): Dashboard {
  return dashboard({
    uid: 'cairn-segments',
    title: 'Cairn — segments',
    description: "One segment's members over time, entries and exits per day and the journeys using it, as GET /v1/insights/segments/{id} counts them (PostgreSQL; docs/kpis.md#segment-membership).",
    variables,
    panels,
    source: POSTGRES,
  });
}
