import { EVENT_RANGE, intervalStart, JOURNEY, WORKSPACE } from './dashboard-sql';
import type { PanelSpec } from './grafana-model';

/*
 * The journey's goal and holdout in ClickHouse (docs/kpis.md#journey-goal, docs/kpis.md#journey-holdout), per
 * contact and iteration as the tile KPIs count. goal_reached events are in events_raw (goal_event and exited in its
 * detail); the holdout group is not an event field, so the panel reads it from the tile events the engine already
 * writes at email tiles: a held-out contact's tile_blocked with reason holdout, a treated contact's tile_processed
 * (its send requested).
 */

const KEY = "concat(contact_id, '/', toString(iteration)) AS k";
const journeyEvents = (types: string): string =>
  `SELECT ${KEY}, event_type, tile_type, reason, detail, event_time FROM events_raw WHERE workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY} AND ${EVENT_RANGE} AND event_type IN (${types})`;

const goalSql = [
  "SELECT uniqExactIf(k, event_type = 'tile_inflow' AND tile_type IN ('segment', 'form')) AS entered,",
  "uniqExactIf(k, event_type = 'goal_reached') AS reached, if(entered = 0, 0, round(reached / entered, 4)) AS reached_share,",
  "uniqExactIf(k, event_type = 'goal_reached' AND visitParamExtractBool(detail, 'exited') = 1) AS exited",
  `FROM (${journeyEvents("'tile_inflow', 'goal_reached'")})`,
].join(' ');

const goalOverTimeSql = `SELECT ${intervalStart('event_time', 900)} AS time, uniqExact(k) AS reached FROM (${journeyEvents("'goal_reached'")}) GROUP BY time ORDER BY time`;

// each contact decided at an email tile: held out (blocked holdout) or treated (processed: its send requested)
const groupsSql = [
  "SELECT k, max(event_type = 'tile_blocked') AS held_out",
  `FROM (${journeyEvents("'tile_processed', 'tile_blocked'")})`,
  "WHERE tile_type = 'email' AND (event_type = 'tile_processed' OR reason = 'holdout') GROUP BY k",
].join(' ');
const reachedSql = `SELECT DISTINCT k, toUInt8(1) AS reached FROM (${journeyEvents("'goal_reached'")})`;
const ratesSql = [
  'SELECT countIf(held_out = 0) AS treated, sumIf(reached, held_out = 0) AS treated_reached,',
  'countIf(held_out = 1) AS held_out_contacts, sumIf(reached, held_out = 1) AS held_out_reached',
  `FROM (${groupsSql}) AS groups ANY LEFT JOIN (${reachedSql}) AS goals USING k`,
].join(' ');
// the lift and its 95 % Wald interval, as lib/domain/journeys/goal-lift.ts computes it; no row without both groups
const liftSql = [
  'SELECT treated, treated_reached, round(treated_reached / treated, 4) AS treated_rate,',
  'held_out_contacts AS held_out, held_out_reached, round(held_out_reached / held_out_contacts, 4) AS held_out_rate,',
  'treated_reached / treated AS p1, held_out_reached / held_out_contacts AS p0, round(p1 - p0, 4) AS lift,',
  'sqrt(p1 * (1 - p1) / treated + p0 * (1 - p0) / held_out_contacts) AS se,',
  'round(p1 - p0 - 1.959964 * se, 4) AS lift_ci_low, round(p1 - p0 + 1.959964 * se, 4) AS lift_ci_high',
  `FROM (${ratesSql}) WHERE treated > 0 AND held_out_contacts > 0`,
].join(' ');
const LIFT_COLUMNS = ['treated', 'treated_reached', 'treated_rate', 'held_out', 'held_out_reached', 'held_out_rate', 'lift', 'lift_ci_low', 'lift_ci_high'];
const liftTableSql = `SELECT ${LIFT_COLUMNS.join(', ')} FROM (${liftSql})`;

// one send_time_delayed event per (tile, iteration, contact), its id derived from that key: replays fold by id
const sendTimeSql = [
  "SELECT tile_id, count() AS delayed, round(avg(delay) / 60, 2) AS average_delay_hours, round(max(delay) / 60, 2) AS max_delay_hours FROM",
  "(SELECT event_id, any(tile_id) AS tile_id, any(visitParamExtractInt(detail, 'delay_minutes')) AS delay",
  `FROM events_raw WHERE workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY} AND ${EVENT_RANGE} AND event_type = 'send_time_delayed' GROUP BY event_id)`,
  'GROUP BY tile_id ORDER BY tile_id',
].join(' ');

// the marketing controls at work (docs/kpis.md#journey-controls): contacts blocked by the frequency cap, held by
// quiet hours and queued by entry pacing, each event once (its id derived from the journey, tile, iteration and contact)
const controlsSql = [
  `SELECT ${intervalStart('event_time', 900)} AS time,`,
  "uniqExactIf(event_id, event_type = 'tile_blocked' AND reason = 'frequency_cap') AS capped,",
  "uniqExactIf(event_id, event_type = 'contact_held' AND reason = 'quiet_hours') AS held_quiet_hours,",
  "uniqExactIf(event_id, event_type = 'contact_held' AND reason = 'entry_pacing') AS queued_entry_pacing",
  `FROM events_raw WHERE workspace_id = ${WORKSPACE} AND journey_id = ${JOURNEY} AND ${EVENT_RANGE} AND event_type IN ('tile_blocked', 'contact_held')`,
  'GROUP BY time HAVING capped + held_quiet_hours + queued_entry_pacing > 0 ORDER BY time',
].join(' ');

const percent = (columns: string[]) =>
  columns.map((name) => ({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: 'percentunit' }] }));

export const goalPanels: PanelSpec[] = [
  {
    type: 'table', title: 'Goal progress (contacts per iteration)', w: 12, h: 5, sql: goalSql, overrides: percent(['reached_share']),
    description: 'Contacts that entered the journey, reached its goal (each once per iteration), their share of the entered, and those the goal\'s exit moved out.',
  },
  { type: 'timeseries', title: 'Goal reached over time', w: 12, h: 5, sql: goalOverTimeSql, description: 'Contacts reaching the goal per interval (15 minutes at least).' },
  {
    type: 'table', title: 'Holdout lift (contacts decided at an email tile)', w: 24, h: 5, sql: liftTableSql,
    overrides: percent(['treated_rate', 'held_out_rate', 'lift', 'lift_ci_low', 'lift_ci_high']),
    description: 'Treated (sent an email of the journey) and held-out (blocked holdout) contacts, the share of each that reached the goal, and the lift (treated − held-out rate) with its 95 % interval. No row without both groups.',
  },
  {
    type: 'timeseries', title: 'Controls (contacts blocked by the cap, held by quiet hours, queued by pacing)', w: 24, h: 5, sql: controlsSql,
    description: 'Per interval: contacts the frequency cap blocked at an email tile, contacts quiet hours held at an email tile, contacts entry pacing queued at entry (each once per iteration).',
  },
  {
    type: 'table', title: 'Send-time optimisation (contacts held until their best hour)', w: 24, h: 5, sql: sendTimeSql,
    description: 'Per email tile with send-time optimisation: contacts held until their best local hour, and the average and longest delay in hours.',
  },
];
