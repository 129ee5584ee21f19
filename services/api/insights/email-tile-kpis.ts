import { join, sql } from '../../../lib/platform/clickhouse/sql';
import { emailKpiCards } from './email-kpis';
import { periodWhere, type QueryRunner } from './insights-filters';
import type { EmailKpis, TileKpis } from './insights-types';
import type { TileFilter } from './journey-contact-queries';
import { kpiSource } from './kpi-source';

/**
 * The email KPIs of each tile of one journey (docs/kpis.md#email-kpis-per-tile), the KPI card's own definitions
 * (email-kpis.ts) grouped by the tile that sent the message: an email used by two tiles has two cards, and every
 * message belongs to one tile, so the message counts of the cards add up to the journey's. The iteration of a
 * recurring journey and an account's contacts are read from the raw events (kpi_email_tile_glossary keeps neither).
 */
export async function emailKpisByTile(ch: QueryRunner, filter: TileFilter): Promise<Map<string, EmailKpis>> {
  const owner = sql`journey_id = ${filter.journeyId}`;
  const rawOnly = filter.iteration === undefined ? [] : [sql`iteration = ${filter.iteration}`];
  const source = await kpiSource(ch, 'email', { ...filter, owner, rawOnly });
  const where = join(
    [sql`workspace_id = ${filter.workspaceId}`, owner, sql`tile_id != ''`, ...periodWhere(filter)],
    ' AND ',
  );
  return emailKpiCards(ch, source, where, sql`tile_id`);
}

/** The Data panel's tiles: each tile's Volume, and an email tile's email KPIs (`email`) beside it. */
export async function tilesWithEmailKpis(ch: QueryRunner, filter: TileFilter, tiles: TileKpis[]): Promise<TileKpis[]> {
  const cards = await emailKpisByTile(ch, filter);
  return tiles.map((tile) => {
    const email = cards.get(tile.tileId);
    return email ? { ...tile, email } : tile;
  });
}
