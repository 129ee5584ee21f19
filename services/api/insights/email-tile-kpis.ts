import { join, sql } from '../../../lib/platform/clickhouse/sql';
import { emailKpiCards } from './email-kpis';
import { num, periodWhere, type QueryRunner } from './insights-filters';
import type { EmailKpis, TileKpis } from './insights-types';
import type { TileFilter } from './journey-contact-queries';
import { contactCondition, kpiSource } from './kpi-source';
import { rawLocalDay } from './page-form-kpis';

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

/**
 * The leads each create-lead tile created (`lead_generated` of origin tile, docs/kpis.md#journey-tile-kpis), by tile:
 * distinct events from the raw events (the lead has no email, so no email table holds it), with the tiles' filters.
 */
export async function leadsByTile(ch: QueryRunner, filter: TileFilter): Promise<Map<string, number>> {
  const parts = [
    sql`workspace_id = ${filter.workspaceId}`,
    sql`event_type = 'lead_generated'`,
    sql`journey_id = ${filter.journeyId}`,
    sql`visitParamExtractString(detail, 'origin') = 'tile'`,
    ...(filter.iteration === undefined ? [] : [sql`iteration = ${filter.iteration}`]),
    ...(filter.contactIds === undefined ? [] : [contactCondition(filter.contactIds)]),
    ...periodWhere(filter, rawLocalDay(filter.timeZone), sql`event_date`),
  ];
  const rows = await ch.rows<{ tile: string; leads: string }>(sql`
    SELECT tile_id AS tile, uniqExact(event_id) AS leads FROM events_raw WHERE ${join(parts, ' AND ')} GROUP BY tile`);
  return new Map(rows.map((row) => [row.tile, num(row.leads)]));
}

/** The Data panel's tiles: each tile's Volume, an email tile's email KPIs (`email`), a create-lead tile's `leadsGenerated`. */
export async function tilesWithEmailKpis(ch: QueryRunner, filter: TileFilter, tiles: TileKpis[]): Promise<TileKpis[]> {
  const [cards, leads] = await Promise.all([emailKpisByTile(ch, filter), leadsByTile(ch, filter)]);
  return tiles.map((tile) => {
    const email = cards.get(tile.tileId);
    const leadsGenerated = leads.get(tile.tileId);
    return { ...tile, ...(email ? { email } : {}), ...(leadsGenerated === undefined ? {} : { leadsGenerated }) };
  });
}
