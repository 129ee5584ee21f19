import { abConfigOf } from '../../../lib/domain/journeys/ab-test';
import type { Pool, PoolClient } from 'pg';
import { linkProblem } from '../../../lib/domain/email/email-links';
import type { JourneyGraph, JourneyIssue, JourneySettings, Tile } from '../../../lib/domain/journeys/journey-graph';

/** A content settings row of the workspace, as the go-live check needs it. */
interface ContentRow {
  id: string;
  name: string;
  subscription_center_url: string;
  forward_url: string;
  postal_address: string;
  is_default: boolean;
}

/** The live version of an email a tile sends: the content settings it was frozen with and its function links. */
interface LiveVersion {
  content_settings_id: string | null;
  has_forward: boolean;
}

/** What the content check needs to know about the workspace; loaded by loadContentCheckContext. */
export interface ContentCheckContext {
  contents: ReadonlyMap<string, ContentRow>;
  defaultId: string | null;
  /** by email id: the live version the journey would send */
  liveVersions: ReadonlyMap<string, LiveVersion>;
}

const UUID = /^[0-9a-f-]{36}$/i;

export async function loadContentCheckContext(
  db: Pool | PoolClient,
  workspaceId: string,
  graph: JourneyGraph,
): Promise<ContentCheckContext> {
  const emailIds = sendingTiles(graph)
    .map((t) => t.config?.email_id)
    .filter((id): id is string => typeof id === 'string' && UUID.test(id));
  const contents = await db.query<ContentRow>(
    `SELECT id::text, name, subscription_center_url, forward_url, postal_address, is_default
       FROM content_settings WHERE workspace_id = $1`,
    [workspaceId],
  );
  const versions = await db.query<LiveVersion & { email_id: string }>(
    `SELECT e.id::text AS email_id, v.content_settings_id::text,
            EXISTS (SELECT 1 FROM email_links l
                     WHERE l.email_id = v.email_id AND l.version = v.version AND l.kind = 'forward') AS has_forward
       FROM emails e JOIN email_versions v ON v.email_id = e.id AND v.version = e.live_version AND v.workspace_id = e.workspace_id
      WHERE e.workspace_id = $1 AND e.id = ANY($2::uuid[])`,
    [workspaceId, emailIds],
  );
  return {
    contents: new Map(contents.rows.map((row) => [row.id, row])),
    defaultId: contents.rows.find((row) => row.is_default)?.id ?? null,
    liveVersions: new Map(versions.rows.map(({ email_id, ...version }) => [email_id, version])),
  };
}

/** A page URL ingest can send a recipient to as it is: absolute http(s), no merge fields (it is not rendered). */
function pageProblem(url: string): string | null {
  if (url.trim() === '') return 'is empty';
  if (url.includes('{{')) return 'contains merge fields; it is used as it is';
  return linkProblem(url);
}

/**
 * The content settings each email tile sends with, as the sender picks them (docs/sender.md#rendering): the
 * journey's, else the email version's, else the workspace default. Refused at go-live (docs/api.md#error-check-go-live-stop):
 * none at all, a subscription-center URL ingest cannot redirect to, an empty postal address, a forward link in the
 * email with no forward page.
 */
function emailTileContentIssues(tile: Tile, settings: JourneySettings, ctx: ContentCheckContext): JourneyIssue[] {
  const emailId = tile.config?.email_id;
  const version = typeof emailId === 'string' ? ctx.liveVersions.get(emailId) : undefined;
  if (!version) return []; // a missing or not-live email is the email check's issue
  const field = `graph.tiles.${tile.id}`;
  const picked = [settings.content_settings_id, version.content_settings_id, ctx.defaultId]
    .map((id) => (id ? ctx.contents.get(id) : undefined))
    .find((row) => row !== undefined);
  if (!picked)
    return [
      {
        field: `${field}.content_settings`,
        message: `tile "${tile.id}" (email): no content settings: set settings.content_settings_id, the email's content_settings_id or a workspace default`,
      },
    ];
  const about = (name: string, message: string): JourneyIssue => ({
    field: `${field}.content_settings.${name}`,
    message: `tile "${tile.id}" (email): content settings "${picked.name}" (${picked.id}): ${name} ${message}`,
  });
  const issues: JourneyIssue[] = [];
  const centre = pageProblem(picked.subscription_center_url);
  if (centre) issues.push(about('subscription_center_url', centre));
  if (!picked.postal_address.trim()) issues.push(about('postal_address', 'is empty'));
  if (version.has_forward) {
    const forward = pageProblem(picked.forward_url);
    if (forward) issues.push(about('forward_url', `${forward}, and the email links to forward to a friend`));
  }
  return issues;
}

/** The journey's content settings, checked at go-live; every issue names the tile or setting to fix. */
export function contentSettingsIssues(
  graph: JourneyGraph,
  settings: JourneySettings,
  ctx: ContentCheckContext,
): JourneyIssue[] {
  const named = settings.content_settings_id;
  if (named && !ctx.contents.has(named))
    return [
      {
        field: 'settings.content_settings_id',
        message: `content settings ${named} do not exist in this workspace`,
      },
    ];
  return sendingTiles(graph).flatMap((tile) => emailTileContentIssues(tile, settings, ctx));
}

/**
 * The tiles that send an email, each with its email: the email tiles, and one per variant of each A/B test tile
 * (under the A/B tile's id: docs/scheduler.md#ab-test), whose emails the sender renders alike.
 */
function sendingTiles(graph: JourneyGraph): Tile[] {
  return graph.tiles.flatMap((tile): Tile[] => {
    if (tile.type === 'email') return [tile];
    if (tile.type !== 'ab_test') return [];
    return abConfigOf(tile).variants.map((v) => ({ id: tile.id, type: 'email', config: { email_id: v.email_id } }));
  });
}
