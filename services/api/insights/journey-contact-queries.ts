import { CairnError } from '../../../lib/platform/errors';
import { isEventType, type EventType } from '../../../lib/contracts/events/event-types';
import { join, sql } from '../../../lib/platform/clickhouse/sql';
import { dayRange, num, periodWhere, type Period, type QueryRunner } from './insights-filters';
import type { ContactTimeline, TileKpis, TimelineEntry } from './insights-types';
import { kpiSource } from './kpi-source';
import { dataRecord } from '../../../lib/platform/own-property';

export type { ContactTimeline, TileKpis, TimelineEntry } from './insights-types';

interface TileRow {
  tile_id: string;
  tile_type: string;
  metric: string;
  breakdown: string;
  contacts: string;
}

function emptyTile(tileId: string, tileType: string): TileKpis {
  // reasons and path ids are words from events and tile ids: a path to tile "constructor" is an ordinary key
  return {
    tileId,
    tileType,
    inflow: 0,
    processing: 0,
    blocked: 0,
    blockedByReason: dataRecord(),
    failed: 0,
    processed: 0,
    paths: dataRecord(),
  };
}

function addTileRow(tile: TileKpis, row: TileRow): void {
  const count = num(row.contacts);
  if (row.metric === 'inflow') tile.inflow += count;
  if (row.metric === 'processed') tile.processed += count;
  if (row.metric === 'failed') tile.failed += count;
  if (row.metric === 'blocked') {
    tile.blocked += count;
    tile.blockedByReason[row.breakdown] = (tile.blockedByReason[row.breakdown] ?? 0) + count;
  }
  if (row.metric === 'path_taken') tile.paths[row.breakdown] = (tile.paths[row.breakdown] ?? 0) + count;
}

export interface TileFilter extends Period {
  workspaceId: string;
  journeyId: string;
  /** one iteration of a recurring journey; all iterations when absent */
  iteration?: number;
  /** only these contacts (an account's); all contacts when absent */
  contactIds?: readonly string[];
}

/**
 * Per-tile Volume KPIs of one journey (docs/kpis.md#journey-tile-kpis: Inflow / Processing / Blocked / Failed /
 * Processed / Paths), each a number of contacts. Contacts are counted per iteration (kpi_tile_glossary keys on it): a
 * contact re-entering a recurring journey counts once in each iteration, a step reported twice for one contact in one
 * iteration counts once.
 */
export async function journeyTileKpis(ch: QueryRunner, filter: TileFilter): Promise<TileKpis[]> {
  const parts = [
    sql`workspace_id = ${filter.workspaceId}`,
    sql`journey_id = ${filter.journeyId}`,
    ...periodWhere(filter),
  ];
  if (filter.iteration !== undefined) parts.push(sql`iteration = ${filter.iteration}`);
  const source = await kpiSource(ch, 'tile', { ...filter, owner: sql`journey_id = ${filter.journeyId}` });
  const rows = await ch.rows<TileRow>(sql`
    SELECT tile_id, tile_type, metric, breakdown, sum(contacts) AS contacts FROM (
      SELECT tile_id, tile_type, iteration, metric, breakdown, uniqExactMerge(contacts) AS contacts
      FROM ${source} WHERE ${join(parts, ' AND ')}
      GROUP BY tile_id, tile_type, iteration, metric, breakdown)
    GROUP BY tile_id, tile_type, metric, breakdown ORDER BY tile_id`);
  const tiles = new Map<string, TileKpis>();
  for (const row of rows) {
    const tile = tiles.get(row.tile_id) ?? emptyTile(row.tile_id, row.tile_type);
    if (!tile.tileType) tile.tileType = row.tile_type;
    tiles.set(row.tile_id, tile);
    addTileRow(tile, row);
  }
  for (const tile of tiles.values())
    tile.processing = Math.max(0, tile.inflow - tile.processed - tile.blocked - tile.failed);
  return [...tiles.values()];
}

interface TimelineRow {
  event_id: string;
  event_type: string;
  event_time: string;
  message_id: string;
  email_id: string;
  email_version: number | string;
  journey_id: string;
  tile_id: string;
  link_id: string;
  url: string;
  reason: string;
  machine: number | string;
}

function toEntry(row: TimelineRow): TimelineEntry {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    eventTime: row.event_time,
    messageId: row.message_id,
    emailId: row.email_id,
    emailVersion: num(row.email_version),
    journeyId: row.journey_id,
    tileId: row.tile_id,
    linkId: row.link_id,
    url: row.url,
    reason: row.reason,
    machine: num(row.machine) === 1,
  };
}

/** A contact's interaction history (contact insights), from contact_events sorted by contact. */
export async function contactTimeline(
  ch: QueryRunner,
  filter: { workspaceId: string; contactId: string; from?: Date; to?: Date; limit?: number },
): Promise<ContactTimeline> {
  const limit = Math.max(1, Math.min(10_000, Math.trunc(filter.limit ?? 200)));
  const where = join(
    [
      sql`workspace_id = ${filter.workspaceId}`,
      sql`contact_id = ${filter.contactId}`,
      ...dayRange(sql`event_date`, filter.from, filter.to),
    ],
    ' AND ',
  );
  // FINAL folds replays of one event_id that a merge has not folded yet (ReplacingMergeTree).
  const [rows, types] = await Promise.all([
    ch.rows<TimelineRow>(sql`
      SELECT event_id, event_type, toString(event_time) AS event_time, message_id, email_id, email_version,
             journey_id, tile_id, link_id, url, reason, machine
      FROM contact_events FINAL WHERE ${where}
      ORDER BY event_time DESC, event_id LIMIT ${limit}`),
    ch.rows<{ event_type: string; events: string }>(sql`
      SELECT event_type, uniqExact(event_id) AS events FROM contact_events WHERE ${where} GROUP BY event_type`),
  ]);
  return { entries: rows.map(toEntry), byType: Object.fromEntries(types.map((t) => [t.event_type, num(t.events)])) };
}

export interface ContactsWhoDidFilter {
  workspaceId: string;
  eventType: EventType;
  /** restrict to one email (e.g. "opened email X") */
  emailId?: string;
  /** within the last N days (1..3650) */
  withinDays: number;
  /** machine events are left out unless asked for */
  includeMachine?: boolean;
  limit?: number;
}

/** Segment-ready: contact ids that did eventType (on emailId) in the last N days, human events only by default. */
export async function contactsWhoDid(ch: QueryRunner, filter: ContactsWhoDidFilter): Promise<string[]> {
  if (!isEventType(filter.eventType))
    throw new CairnError('SQL_BAD_VALUE', `event type ${JSON.stringify(filter.eventType)}`);
  const days = Math.trunc(filter.withinDays);
  if (!(days >= 1 && days <= 3650)) throw new CairnError('SQL_BAD_VALUE', 'withinDays must be 1..3650');
  const limit = Math.max(1, Math.min(1_000_000, Math.trunc(filter.limit ?? 100_000)));
  const since = new Date(Date.now() - days * 86_400_000);
  const parts = [
    sql`workspace_id = ${filter.workspaceId}`,
    sql`event_type = ${filter.eventType}`,
    ...dayRange(sql`event_date`, since),
    sql`event_time_ms >= ${since.getTime()}`,
  ];
  if (filter.emailId !== undefined) parts.push(sql`email_id = ${filter.emailId}`);
  if (!filter.includeMachine) parts.push(sql`machine = 0`);
  const rows = await ch.rows<{ contact_id: string }>(sql`
    SELECT DISTINCT contact_id FROM events_raw WHERE ${join(parts, ' AND ')} AND contact_id != ''
    ORDER BY contact_id LIMIT ${limit}`);
  return rows.map((row) => row.contact_id);
}
