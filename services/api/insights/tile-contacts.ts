import { CairnError } from '../../../lib/platform/errors';
import { join, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { checkedTimeZone, num, periodWhere, type Period, type QueryRunner } from './insights-filters';
import type { TileContact } from './insights-types';
import { contactCondition } from './kpi-source';

export type { TileContact } from './insights-types';

/*
 * The contacts behind each journey-tile number (docs/kpis.md#journey-tile-kpis: each number has its list, which
 * can be saved as a static segment), from events_raw. One row per (contact,
 * iteration), the unit journeyTileKpis counts, so a list's length equals its tile KPI.
 */
const DONE = sql`event_type IN ('tile_processed', 'tile_blocked', 'tile_failed')`;

export const TILE_STATES: Record<string, { include: Sql; exclude?: Sql }> = {
  inflow: { include: sql`event_type = 'tile_inflow'` },
  // still waiting: entered in that iteration and neither processed, blocked nor failed (at any time since)
  processing: { include: sql`event_type = 'tile_inflow'`, exclude: DONE },
  blocked: { include: sql`event_type = 'tile_blocked'` },
  failed: { include: sql`event_type = 'tile_failed'` },
  processed: { include: sql`event_type = 'tile_processed'` },
  path: { include: sql`event_type = 'tile_path_taken'` },
};
export const TILE_STATE_NAMES = Object.keys(TILE_STATES);

export interface TileContactsFilter extends Period {
  workspaceId: string;
  journeyId: string;
  tileId: string;
  state: string;
  /** blocked / failed: only this reason or error code */
  reason?: string;
  /** path: only this path */
  pathId?: string;
  iteration?: number;
  /** only these contacts (an account's) */
  contactIds?: readonly string[];
  after?: { contactId: string; iteration: number };
  limit: number;
}

const KEY = sql`concat(contact_id, '/', toString(iteration))`;

function tileParts(filter: TileContactsFilter): Sql[] {
  const spec = Object.hasOwn(TILE_STATES, filter.state) ? TILE_STATES[filter.state] : undefined;
  if (!spec) throw new CairnError('SQL_BAD_VALUE', `unknown tile state ${JSON.stringify(filter.state)}`);
  const tile = [
    sql`workspace_id = ${filter.workspaceId}`,
    sql`journey_id = ${filter.journeyId}`,
    sql`tile_id = ${filter.tileId}`,
  ];
  const day = sql`substring(toString(event_time, ${checkedTimeZone(filter.timeZone)}), 1, 10)`;
  const parts = [...tile, spec.include, ...periodWhere(filter, day, sql`event_date`)];
  if (filter.iteration !== undefined) parts.push(sql`iteration = ${filter.iteration}`);
  if (filter.reason !== undefined) parts.push(sql`reason = ${filter.reason}`);
  if (filter.pathId !== undefined) parts.push(sql`path_id = ${filter.pathId}`);
  if (filter.contactIds !== undefined) parts.push(contactCondition(filter.contactIds));
  if (spec.exclude)
    parts.push(sql`${KEY} NOT IN (SELECT ${KEY} FROM events_raw WHERE ${join([...tile, spec.exclude], ' AND ')})`);
  return parts;
}

/** One tile state's contacts per iteration, ordered by (contact_id, iteration), keyset-paged. */
export async function tileContacts(ch: QueryRunner, filter: TileContactsFilter): Promise<TileContact[]> {
  const parts = tileParts(filter);
  const after = filter.after
    ? sql`AND (c > ${filter.after.contactId} OR (c = ${filter.after.contactId} AND it > ${filter.after.iteration}))`
    : sql``;
  // the inner GROUP BY event_id folds replays the ReplacingMergeTree has not merged yet
  const rows = await ch.rows<{ c: string; it: string | number; at: string; details: string[] }>(sql`
    SELECT c, it, toString(min(t)) AS at, arrayFilter(x -> x != '', groupUniqArray(what)) AS details
    FROM (
      SELECT event_id, any(contact_id) AS c, any(iteration) AS it, any(event_time) AS t, any(if(event_type = 'tile_path_taken', path_id, reason)) AS what
      FROM events_raw WHERE ${join(parts, ' AND ')} GROUP BY event_id)
    WHERE 1 = 1 ${after}
    GROUP BY c, it ORDER BY c, it LIMIT ${Math.max(1, Math.trunc(filter.limit))}`);
  return rows.map((row) => ({
    contactId: row.c,
    iteration: num(row.it),
    at: row.at,
    details: [...row.details].sort(),
  }));
}

/** The distinct contacts of a tile state (all iterations merged): what a saved segment holds. */
export async function tileContactIds(
  ch: QueryRunner,
  filter: Omit<TileContactsFilter, 'after' | 'limit'>,
  limit = 1_000_000,
): Promise<string[]> {
  const parts = tileParts({ ...filter, limit });
  const rows = await ch.rows<{ contact_id: string }>(sql`
    SELECT DISTINCT contact_id FROM events_raw WHERE ${join(parts, ' AND ')} ORDER BY contact_id LIMIT ${limit}`);
  return rows.map((row) => row.contact_id);
}
