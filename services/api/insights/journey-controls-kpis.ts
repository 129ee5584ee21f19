import type { Pool } from 'pg';
import type { JourneyGraph, JourneySettings } from '../../../lib/domain/journeys/journey-graph';
import type { JourneyControlsKpis } from './journey-controls-types';
import { sql } from '../../../lib/platform/clickhouse/sql';
import type { QueryRunner } from './insights-filters';
import { journeyTileKpis, type TileFilter } from './journey-contact-queries';

/** The journey's row as the controls read it. */
export interface ControlledJourney {
  id: string;
  workspace_id: string;
  graph: JourneyGraph;
  settings: Partial<JourneySettings>;
}

interface WorkspaceControls {
  frequency_caps: Array<{ max_sends: number; window_hours: number }>;
  quiet_hours: JourneyControlsKpis['quiet_hours']['window'];
}

/**
 * A journey's marketing controls at a glance (docs/kpis.md#journey-controls): the frequency cap's blocked contacts
 * from the tile KPIs in ClickHouse (the Blocked by reason `frequency_cap`), and from PostgreSQL, where the engine
 * keeps them, the contacts quiet hours hold at email tiles and the entry pacing queue and count.
 */
export async function journeyControlsKpis(
  pool: Pool,
  ch: QueryRunner,
  journey: ControlledJourney,
  filter: TileFilter,
): Promise<JourneyControlsKpis> {
  const { rows } = await pool.query<WorkspaceControls>(
    'SELECT frequency_caps, quiet_hours FROM workspaces WHERE id = $1',
    [journey.workspace_id],
  );
  const workspace = rows[0] ?? { frequency_caps: [], quiet_hours: null };
  const [tiles, states, pacing, held] = await Promise.all([
    journeyTileKpis(ch, filter),
    heldAndQueued(pool, journey, filter.iteration),
    pacingCount(pool, journey.id),
    heldTotals(ch, filter),
  ]);
  const cappedByTile = tiles
    .map((t) => ({ tile_id: t.tileId, capped: t.blockedByReason.frequency_cap ?? 0 }))
    .filter((t) => t.capped > 0);
  const transactional = journey.settings.transactional === true;
  const ownWindow = journey.settings.quiet_hours;
  const window = ownWindow === undefined ? workspace.quiet_hours : ownWindow;
  return {
    frequency_cap: {
      transactional,
      rules: transactional ? [] : workspace.frequency_caps,
      capped: cappedByTile.reduce((sum, t) => sum + t.capped, 0),
      capped_by_tile: cappedByTile,
    },
    quiet_hours: {
      window: window ?? null,
      source: ownWindow !== undefined ? (ownWindow ? 'journey' : 'none') : workspace.quiet_hours ? 'workspace' : 'none',
      held_now: states.held,
      held_total: held.quiet_hours ?? 0,
      next_release_at: states.nextRelease,
    },
    entry_pacing: {
      settings: journey.settings.entry_pacing ?? null,
      queued_now: states.queued,
      queued_total: held.entry_pacing ?? 0,
      admitted_in_period: pacing.admitted,
      period_start: pacing.periodStart,
    },
  };
}

/**
 * Contacts held by quiet hours (waiting at an email tile without send-time optimisation:
 * docs/scheduler.md#quiet-hours) and queued by entry
 * pacing (waiting with queued_at: docs/scheduler.md#entry-pacing), now.
 */
async function heldAndQueued(
  pool: Pool,
  journey: ControlledJourney,
  iteration: number | undefined,
): Promise<{ held: number; nextRelease: string | null; queued: number }> {
  // an optimised email tile holds contacts for their send time too: they are in the send-time insights instead
  const emailTiles = journey.graph.tiles.filter((t) => t.type === 'email' && !t.config?.send_time).map((t) => t.id);
  const { rows } = await pool.query<{ held: number; next_release: Date | null; queued: number }>(
    `SELECT count(*) FILTER (WHERE tile_id = ANY($3::text[]))::int AS held,
            min(due_at) FILTER (WHERE tile_id = ANY($3::text[])) AS next_release,
            count(*) FILTER (WHERE queued_at IS NOT NULL)::int AS queued
     FROM journey_contacts
     WHERE journey_id = $1 AND ($2::int IS NULL OR iteration = $2) AND state = 'waiting'`,
    [journey.id, iteration ?? null, emailTiles],
  );
  const row = rows[0];
  return { held: row?.held ?? 0, nextRelease: row?.next_release?.toISOString() ?? null, queued: row?.queued ?? 0 };
}

async function pacingCount(pool: Pool, journeyId: string): Promise<{ admitted: number; periodStart: string | null }> {
  const { rows } = await pool.query<{ admitted: number; period_start: Date | null }>(
    'SELECT admitted, period_start FROM journey_pacing WHERE journey_id = $1',
    [journeyId],
  );
  return { admitted: rows[0]?.admitted ?? 0, periodStart: rows[0]?.period_start?.toISOString() ?? null };
}

/**
 * Contacts ever held, by reason, from the `contact_held` events (one per journey, tile, iteration and contact, its
 * id derived from that key, so an event relayed again counts once).
 */
async function heldTotals(ch: QueryRunner, filter: TileFilter): Promise<Record<string, number>> {
  const inIteration = filter.iteration === undefined ? sql`1` : sql`iteration = ${filter.iteration}`;
  const rows = await ch.rows<{ reason: string; contacts: string | number }>(sql`
    SELECT reason, uniqExact(event_id) AS contacts FROM events_raw
    WHERE workspace_id = ${filter.workspaceId} AND journey_id = ${filter.journeyId}
      AND event_type = 'contact_held' AND ${inIteration}
    GROUP BY reason`);
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.contacts)]));
}
