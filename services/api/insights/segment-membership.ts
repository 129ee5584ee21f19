import { DateTime } from 'luxon';
import type { Pool } from 'pg';
import { ApiProblem } from '../api-problem';
import type { SegmentDay, SegmentInsights, SegmentJourney } from './segment-types';

/** The most days one answer covers: a leap year's (from 2028-01-01 to 2028-12-31, say). */
export const MAX_SEGMENT_DAYS = 366;

/** Where a query takes its values: placeholders ($1…) for the API, bound expressions for the Grafana dashboard. */
export interface SegmentSqlParams {
  workspaceId: string;
  segmentId: string;
}

/**
 * The days from..to in the workspace's time zone: each day's row, or the latest earlier day's members carried
 * forward. The segments dashboard renders the same text with its own bindings (scripts/dashboards/segments.dashboard.ts).
 */
export const memberDaysSql = (p: SegmentSqlParams & { from: string; to: string }): string =>
  `SELECT to_char(g.day, 'YYYY-MM-DD') AS day, coalesce(r.entered, 0) AS entered, coalesce(r.exited, 0) AS exited,
            coalesce(r.members_at_end, (SELECT p.members_at_end FROM segment_member_days p
              WHERE p.workspace_id = ${p.workspaceId} AND p.segment_id = ${p.segmentId} AND p.day < g.day ORDER BY p.day DESC LIMIT 1)) AS members
       FROM generate_series(${p.from}::date, ${p.to}::date, interval '1 day') AS g(day)
       LEFT JOIN segment_member_days r ON r.workspace_id = ${p.workspaceId} AND r.segment_id = ${p.segmentId} AND r.day = g.day::date
      ORDER BY g.day`;

async function memberDays(
  pool: Pool,
  segment: { workspaceId: string; id: string },
  range: { from: string; to: string },
): Promise<SegmentDay[]> {
  const { rows } = await pool.query<SegmentDay>(
    memberDaysSql({ workspaceId: '$1', segmentId: '$2', from: '$3', to: '$4' }),
    [segment.workspaceId, segment.id, range.from, range.to],
  );
  return rows;
}

/**
 * The workspace's journeys that read the segment: as a segment tile's audience (entry), as a segment tile's
 * exclusion, or as the journey's suppression segment (docs/kpis.md#segment-membership). The segment id is compared
 * as text (jsonb keys and settings hold text).
 */
export const journeysUsingSql = (p: SegmentSqlParams): string =>
  `WITH tiles AS (
       SELECT j.id, t.tile->>'id' AS tile_id, t.tile->'config' AS config
         FROM journeys j, jsonb_array_elements(CASE jsonb_typeof(j.graph->'tiles') WHEN 'array' THEN j.graph->'tiles' ELSE '[]' END) AS t(tile)
        WHERE j.workspace_id = ${p.workspaceId} AND t.tile->>'type' = 'segment'),
     uses AS (
       SELECT id, 'entry' AS how, tile_id FROM tiles WHERE config->'segment_ids' ? ${p.segmentId}
       UNION ALL SELECT id, 'exclusion', tile_id FROM tiles WHERE config->'exclude_segment_ids' ? ${p.segmentId}
       UNION ALL SELECT id, 'suppression', NULL FROM journeys WHERE workspace_id = ${p.workspaceId} AND settings->>'suppression_segment_id' = ${p.segmentId})
     SELECT j.id, j.name, j.status,
            jsonb_agg(jsonb_build_object('how', u.how, 'tile_id', u.tile_id) ORDER BY u.how, u.tile_id) AS uses
       FROM uses u JOIN journeys j ON j.id = u.id AND j.workspace_id = ${p.workspaceId}
      GROUP BY j.id, j.name, j.status
      ORDER BY j.name, j.id`;

async function journeysUsing(pool: Pool, workspaceId: string, segmentId: string): Promise<SegmentJourney[]> {
  const { rows } = await pool.query<SegmentJourney>(journeysUsingSql({ workspaceId: '$1', segmentId: '$2' }), [
    workspaceId,
    segmentId,
  ]);
  return rows;
}

/**
 * GET /v1/insights/segments/{id} (docs/kpis.md#segment-membership); the caller checked the segment is its
 * workspace's. Days are the workspace's; without from/to, the 30 days ending today.
 */
export async function segmentInsights(
  pool: Pool,
  segment: { workspaceId: string; id: string; name: string; kind: string; timeZone: string },
  query: { from?: string; to?: string },
): Promise<SegmentInsights> {
  const range = rangeOf(query, DateTime.now().setZone(segment.timeZone).toISODate() ?? DateTime.utc().toISODate());
  const [days, journeys, count] = await Promise.all([
    memberDays(pool, segment, range),
    journeysUsing(pool, segment.workspaceId, segment.id),
    pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2',
      [segment.workspaceId, segment.id],
    ),
  ]);
  return {
    segment: { id: segment.id, name: segment.name, kind: segment.kind },
    member_count: count.rows[0]?.n ?? 0,
    ...range,
    days,
    journeys,
  };
}

/** from/to are 'YYYY-MM-DD' (the schema's format: date); a missing end is filled in, then the span is checked. */
export function rangeOf(query: { from?: string; to?: string }, today: string): { from: string; to: string } {
  const to = query.to ?? (query.from && query.from > today ? query.from : today);
  const from = query.from ?? DateTime.fromISO(to, { zone: 'utc' }).minus({ days: 29 }).toISODate() ?? to;
  const span = DateTime.fromISO(to, { zone: 'utc' }).diff(DateTime.fromISO(from, { zone: 'utc' }), 'days').days;
  if (span < 0)
    throw new ApiProblem(400, 'the date range is empty', [
      { field: 'querystring.to', message: 'must not be before from' },
    ]);
  if (span >= MAX_SEGMENT_DAYS)
    throw new ApiProblem(400, `the date range covers more than ${MAX_SEGMENT_DAYS} days`, [
      { field: 'querystring.from', message: `must be at most ${MAX_SEGMENT_DAYS - 1} days before to` },
    ]);
  return { from, to };
}
