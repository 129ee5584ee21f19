import type { ClickHouse } from '../../../lib/platform/clickhouse/clickhouse-client';
import { sql } from '../../../lib/platform/clickhouse/sql';
import type { SendTimeTile } from './journey-goal-types';

interface Row {
  tile_id: string;
  source: string;
  delayed: string | number;
  minutes: string | number;
  max_minutes: string | number;
}

/**
 * The send_time_delayed events of a journey (all iterations, or one), one per (tile, iteration, contact): the event
 * id is derived from that key, so a relayed-again event counts once (uniqExact over the id, any() of its values).
 */
export async function journeySendTimeKpis(
  ch: ClickHouse,
  scope: { workspaceId: string; journeyId: string },
  iteration: number | undefined,
): Promise<{ tiles: SendTimeTile[] }> {
  const inIteration = iteration === undefined ? sql`1` : sql`iteration = ${iteration}`;
  const rows = await ch.rows<Row>(sql`
    SELECT tile_id, source, count() AS delayed, sum(delay) AS minutes, max(delay) AS max_minutes FROM (
      SELECT event_id, any(tile_id) AS tile_id, any(visitParamExtractString(detail, 'source')) AS source,
             any(visitParamExtractInt(detail, 'delay_minutes')) AS delay
      FROM events_raw
      WHERE workspace_id = ${scope.workspaceId} AND journey_id = ${scope.journeyId}
        AND event_type = 'send_time_delayed' AND ${inIteration}
      GROUP BY event_id)
    GROUP BY tile_id, source ORDER BY tile_id, source`);
  const tiles = new Map<string, SendTimeTile & { minutes: number }>();
  for (const r of rows) {
    const tile = tiles.get(r.tile_id) ?? {
      tile_id: r.tile_id,
      delayed: 0,
      average_delay_hours: 0,
      max_delay_hours: 0,
      by_source: {},
      minutes: 0,
    };
    tile.delayed += Number(r.delayed);
    tile.minutes += Number(r.minutes);
    tile.max_delay_hours = Math.max(tile.max_delay_hours, Number(r.max_minutes) / 60);
    tile.by_source[r.source] = Number(r.delayed);
    tiles.set(r.tile_id, tile);
  }
  return {
    tiles: [...tiles.values()].map(({ minutes, ...tile }) => ({
      ...tile,
      average_delay_hours: minutes / 60 / tile.delayed,
    })),
  };
}
