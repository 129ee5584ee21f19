/**
 * The workspace's ids inside a template's definition (docs/api.md#templates): emails, segments, subscription
 * lists, content settings and owners (users) named by tiles and settings. A template may outlive them, so a journey or email made
 * from it keeps only the ids that still exist in the caller's workspace; the others are left out and named.
 */
import type { Pool, PoolClient } from 'pg';
import type { Tile } from '../../../lib/domain/journeys/journey-graph';
import type { EmailDefinition, JourneyDefinition } from './template-types';

export type ReferencedTable = 'emails' | 'segments' | 'subscription_lists' | 'content_settings' | 'users';

export interface Reference {
  field: string;
  table: ReferencedTable;
  id: string;
}

/** Decides whether a reference stays; a walker calls it once for every id it meets. */
type Keep = (reference: Reference) => boolean;

const TILE_LISTS: ReadonlyArray<[key: string, table: ReferencedTable]> = [
  ['segment_ids', 'segments'],
  ['exclude_segment_ids', 'segments'],
  ['list_ids', 'subscription_lists'],
];

const SETTINGS: ReadonlyArray<[key: 'suppression_segment_id' | 'list_id' | 'content_settings_id', ReferencedTable]> = [
  ['suppression_segment_id', 'segments'],
  ['list_id', 'subscription_lists'],
  ['content_settings_id', 'content_settings'],
];

function tileWith(tile: Tile, keep: Keep): Tile {
  if (!tile.config) return tile;
  const config = { ...tile.config };
  const field = `graph.tiles.${tile.id}.config`;
  if (
    typeof config.email_id === 'string' &&
    !keep({ field: `${field}.email_id`, table: 'emails', id: config.email_id })
  )
    delete config.email_id;
  if (typeof config.owner_id === 'string' && !keep({ field: `${field}.owner_id`, table: 'users', id: config.owner_id }))
    delete config.owner_id;
  for (const [key, table] of TILE_LISTS) {
    const ids = config[key];
    if (Array.isArray(ids))
      config[key] = ids.filter((id) => typeof id !== 'string' || keep({ field: `${field}.${key}`, table, id }));
  }
  return { ...tile, config };
}

/** The definition with only the references `keep` accepts (settings' ids left out become null). */
export function journeyWith(definition: JourneyDefinition, keep: Keep): JourneyDefinition {
  const settings = { ...definition.settings };
  for (const [key, table] of SETTINGS) {
    const id = settings[key];
    if (typeof id === 'string' && !keep({ field: `settings.${key}`, table, id })) settings[key] = null;
  }
  return { graph: { tiles: definition.graph.tiles.map((tile) => tileWith(tile, keep)) }, settings };
}

export function emailWith(definition: EmailDefinition, keep: Keep): EmailDefinition {
  const id = definition.content_settings_id;
  return typeof id === 'string' && !keep({ field: 'content_settings_id', table: 'content_settings', id })
    ? { ...definition, content_settings_id: null }
    : definition;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The references that name nothing in the workspace (one query per table; a malformed id names nothing). */
export async function missingReferences(
  db: Pool | PoolClient,
  workspaceId: string,
  references: readonly Reference[],
): Promise<Reference[]> {
  const found = new Set<string>();
  const tables = new Set(references.map((reference) => reference.table));
  for (const table of tables) {
    const ids = references.filter((r) => r.table === table && UUID.test(r.id)).map((r) => r.id.toLowerCase());
    if (ids.length === 0) continue;
    // the table name comes from ReferencedTable, never from input
    const { rows } = await db.query<{ id: string }>(
      `SELECT id::text FROM ${table} WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    for (const row of rows) found.add(`${table}:${row.id}`);
  }
  return references.filter((r) => !found.has(`${r.table}:${r.id.toLowerCase()}`));
}

/** Every reference a walker meets, in order. */
export function referencesOf<T>(definition: T, walk: (definition: T, keep: Keep) => T): Reference[] {
  const references: Reference[] = [];
  walk(definition, (reference) => references.push(reference) > 0);
  return references;
}

/**
 * Keeps the references that exist in the workspace; the answer names the ones left out, as the problems the
 * journey or email check would otherwise report without saying why.
 */
export async function keepExisting<T>(
  db: Pool | PoolClient,
  workspaceId: string,
  definition: T,
  walk: (definition: T, keep: Keep) => T,
): Promise<{ definition: T; dropped: Array<{ field: string; message: string }> }> {
  const missing = await missingReferences(db, workspaceId, referencesOf(definition, walk));
  const gone = new Set(missing.map((r) => `${r.field}\n${r.id}`));
  return {
    definition: walk(definition, (r) => !gone.has(`${r.field}\n${r.id}`)),
    dropped: missing.map((r) => ({
      field: r.field,
      message: `${noun(r.table)} ${r.id} does not exist in this workspace`,
    })),
  };
}

const noun = (table: ReferencedTable): string =>
  ({
    emails: 'email',
    segments: 'segment',
    subscription_lists: 'list',
    content_settings: 'content settings',
    users: 'user',
  })[table];
