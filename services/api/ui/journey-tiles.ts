import { apiGet } from './api-client';
import type { EmailRow, JourneyTile } from './api-types';

/**
 * What each tile of the journey graph does, in words: the names of the emails and segments it uses and, for a
 * trigger on a link, the link's URL (from the email's live version), read through the same API with the key.
 */
export interface TileReferences {
  emails: Map<string, EmailRow>;
  segments: Map<string, string>;
  /** `${emailId}:${linkId}` → URL */
  links: Map<string, string>;
}

export const TILE_TYPES: Record<string, { label: string; glyph: string }> = {
  segment: { label: 'Segment', glyph: '◎' },
  form: { label: 'Form', glyph: '✎' },
  email: { label: 'Email', glyph: '✉' },
  ab_test: { label: 'A/B test', glyph: '⚖' },
  trigger: { label: 'Trigger', glyph: '⚑' },
  splitter: { label: 'Splitter', glyph: '⑂' },
  scheduler: { label: 'Wait', glyph: '◷' },
  activity: { label: 'Activity', glyph: '☑' },
  launch_workflow: { label: 'Workflow', glyph: '⚙' },
  create_lead: { label: 'Create lead', glyph: '★' },
  end: { label: 'End', glyph: '■' },
};

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const optional = <T>(promise: Promise<T>): Promise<T | null> => promise.catch(() => null);

/** The variants of an A/B test tile (docs/scheduler.md#ab-test). */
const variantsOf = (tile: JourneyTile): Array<{ email_id?: unknown }> =>
  Array.isArray(tile.config?.variants) ? (tile.config.variants as Array<{ email_id?: unknown }>) : [];

/** The emails a tile sends: an email tile's one, an A/B test tile's variants. */
const tileEmailIds = (tile: JourneyTile): string[] => {
  if (tile.type === 'email') return [String(tile.config?.email_id ?? '')];
  return tile.type === 'ab_test' ? variantsOf(tile).map((v) => String(v.email_id ?? '')) : [];
};

/** The email of the email tile a trigger watches. */
const watchedEmail = (trigger: JourneyTile, tiles: JourneyTile[]): string =>
  String(tiles.find((t) => t.id === trigger.config?.email_tile_id)?.config?.email_id ?? '');

export async function loadTileReferences(tiles: JourneyTile[]): Promise<TileReferences> {
  const emailIds = [...new Set(tiles.flatMap(tileEmailIds))];
  const segmentIds = [
    ...new Set(tiles.filter((t) => t.type === 'segment').flatMap((t) => strings(t.config?.segment_ids))),
  ];
  const [emails, segments] = await Promise.all([
    Promise.all(emailIds.map((id) => optional(apiGet<EmailRow>(`/v1/emails/${id}`)))),
    Promise.all(segmentIds.map((id) => optional(apiGet<{ id: string; name: string }>(`/v1/segments/${id}`)))),
  ]);
  const refs: TileReferences = {
    emails: new Map(emails.flatMap((e) => (e ? [[e.id, e] as const] : []))),
    segments: new Map(segments.flatMap((s) => (s ? [[s.id, s.name] as const] : []))),
    links: new Map(),
  };
  const linkedEmails = new Set(
    tiles.filter((t) => t.type === 'trigger' && t.config?.link_id).map((t) => watchedEmail(t, tiles)),
  );
  const versions = await Promise.all(
    [...linkedEmails].map((id) => {
      const version = refs.emails.get(id)?.live_version;
      return version
        ? optional(
            apiGet<{ email_id: string; links: Array<{ link_id: string; url: string }> }>(
              `/v1/emails/${id}/versions/${version}`,
            ),
          )
        : null;
    }),
  );
  for (const version of versions)
    for (const link of version?.links ?? []) refs.links.set(`${version?.email_id}:${link.link_id}`, link.url);
  return refs;
}

function timeout(config: Record<string, unknown>): string {
  for (const unit of ['days', 'hours', 'minutes'])
    if (config[`timeout_${unit}`]) return ` within ${String(config[`timeout_${unit}`])} ${unit}`;
  return config.timeout_at ? ` until ${String(config.timeout_at)}` : '';
}

/** The part of a link people recognise: its file or last path segment, else its host. */
function shortUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname.split('/').filter(Boolean).pop() ?? parsed.host;
  } catch {
    return url;
  }
}

function triggerText(tile: JourneyTile, tiles: JourneyTile[], refs: TileReferences): string {
  const config = tile.config ?? {};
  const condition = String(config.condition ?? '')
    .replace(/_link$/, '')
    .replace(/_/g, ' ');
  const url = config.link_id ? refs.links.get(`${watchedEmail(tile, tiles)}:${String(config.link_id)}`) : undefined;
  const link = config.link_id ? ` ${url ? shortUrl(url) : String(config.link_id)}` : '';
  return `${condition}${link}${timeout(config)}`;
}

/** An A/B test tile: its variants' emails by name and the share in the test (docs/scheduler.md#ab-test). */
function abText(tile: JourneyTile, refs: TileReferences): string {
  const names = tileEmailIds(tile).map((id) => refs.emails.get(id)?.name ?? id);
  return `${names.join(' vs ')} · ${Math.round(Number(tile.config?.test_share) * 100)} % tested`;
}

/** One line saying what the tile does. */
export function describeTile(tile: JourneyTile, tiles: JourneyTile[], refs: TileReferences): string {
  const config = tile.config ?? {};
  switch (tile.type) {
    case 'segment':
      return [
        ...strings(config.segment_ids).map((id) => refs.segments.get(id) ?? id),
        ...strings(config.list_ids).map(() => 'a list'),
      ].join(', ');
    case 'email':
      return refs.emails.get(String(config.email_id))?.name ?? String(config.email_id ?? '');
    case 'trigger':
      return triggerText(tile, tiles, refs);
    case 'splitter':
      return `${strings(config.percentages).join(' / ')} %`;
    case 'ab_test':
      return abText(tile, refs);
    case 'activity':
      return String(config.subject ?? '');
    case 'create_lead':
      return String(config.title ?? '');
    case 'launch_workflow':
      return String(config.workflow ?? '');
    default:
      return '';
  }
}
