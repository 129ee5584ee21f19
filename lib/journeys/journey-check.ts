import {
  cycleTiles,
  indexGraph,
  reachable,
  TILE_TYPES,
  TRIGGER_CONDITIONS,
  type GraphIndex,
  type JourneyGraph,
  type JourneyIssue,
  type JourneySettings,
  type Tile,
} from './journey-graph';

/** What the check needs to know about the workspace; the caller loads it, the check stays pure. */
export interface JourneyCheckContext {
  emailStatus: ReadonlyMap<string, string>;
  segmentIds: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;

const label = (tile: Tile): string => `tile "${tile.id}" (${tile.type})`;
const issue = (tile: Tile, message: string): JourneyIssue => ({ field: `graph.tiles.${tile.id}`, message: `${label(tile)}: ${message}` });

function structureIssues(graph: JourneyGraph, index: GraphIndex): JourneyIssue[] {
  const issues: JourneyIssue[] = [];
  const ids = new Set<string>();
  for (const tile of graph.tiles) {
    if (ids.has(tile.id)) issues.push(issue(tile, 'duplicate tile id'));
    ids.add(tile.id);
    if (!TILE_TYPES.includes(tile.type)) issues.push(issue(tile, `unknown tile type; use one of ${TILE_TYPES.join(', ')}`));
    for (const next of tile.next ?? []) if (!index.byId.has(next)) issues.push(issue(tile, `next names tile "${next}", which does not exist`));
    if (tile.type === 'end' && (tile.next ?? []).length > 0) issues.push(issue(tile, 'an end tile has no next tiles'));
    if (tile.type === 'segment' && (index.predecessors.get(tile.id) ?? []).length > 0)
      issues.push(issue(tile, 'a segment tile starts the journey and cannot follow another tile'));
  }
  const starts = graph.tiles.filter((tile) => tile.type === 'segment').map((tile) => tile.id);
  if (starts.length === 0) issues.push({ field: 'graph.tiles', message: 'the journey needs at least one segment tile to start from' });
  const seen = reachable(starts, index.successors);
  for (const tile of graph.tiles)
    if (tile.type !== 'segment' && !seen.has(tile.id)) issues.push(issue(tile, 'unreachable: no segment tile leads here'));
  for (const id of cycleTiles(index)) issues.push(issue(index.byId.get(id) as Tile, 'is part of a cycle; journeys must not loop'));
  return issues;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

function segmentTileIssues(tile: Tile, ctx: JourneyCheckContext): JourneyIssue[] {
  const config = tile.config ?? {};
  const include = Array.isArray(config.segment_ids) ? (config.segment_ids as unknown[]) : [];
  const exclude = Array.isArray(config.exclude_segment_ids) ? (config.exclude_segment_ids as unknown[]) : [];
  const issues: JourneyIssue[] = [];
  if (include.length === 0) issues.push(issue(tile, 'config.segment_ids needs at least one segment'));
  for (const id of [...include, ...exclude])
    if (typeof id !== 'string' || !ctx.segmentIds.has(id)) issues.push(issue(tile, `segment ${String(id)} does not exist`));
  if (config.combine !== undefined && config.combine !== 'union' && config.combine !== 'intersection')
    issues.push(issue(tile, 'config.combine must be union or intersection'));
  return issues;
}

function emailTileIssues(tile: Tile, ctx: JourneyCheckContext): JourneyIssue[] {
  const emailId = str(tile.config?.email_id);
  if (!emailId) return [issue(tile, 'config.email_id is required')];
  const status = ctx.emailStatus.get(emailId);
  if (status === undefined) return [issue(tile, `email ${emailId} does not exist`)];
  return status === 'live' ? [] : [issue(tile, `email ${emailId} is ${status}; make it live before the journey goes live`)];
}

function triggerTileIssues(tile: Tile, index: GraphIndex): JourneyIssue[] {
  const config = tile.config ?? {};
  const issues: JourneyIssue[] = [];
  if (!TRIGGER_CONDITIONS.includes(config.condition as never))
    issues.push(issue(tile, `config.condition must be one of ${TRIGGER_CONDITIONS.join(', ')}`));
  if (!(typeof config.timeout_days === 'number' && config.timeout_days > 0)) issues.push(issue(tile, 'config.timeout_days must be a positive number'));
  if ((tile.next ?? []).length !== 2) issues.push(issue(tile, 'needs exactly two next tiles: [condition met, timed out]'));
  const source = str(config.email_tile_id);
  const ancestors = reachable([tile.id], index.predecessors);
  if (!source || index.byId.get(source)?.type !== 'email' || !ancestors.has(source))
    issues.push(issue(tile, 'config.email_tile_id must name an email tile earlier on the same path'));
  return issues;
}

function splitterTileIssues(tile: Tile): JourneyIssue[] {
  const percentages = Array.isArray(tile.config?.percentages) ? (tile.config?.percentages as unknown[]) : [];
  const issues: JourneyIssue[] = [];
  if ((tile.next ?? []).length < 2 || percentages.length !== (tile.next ?? []).length)
    issues.push(issue(tile, 'needs two or more next tiles and one percentage per next tile'));
  const sum = percentages.reduce<number>((total, p) => total + (typeof p === 'number' && p > 0 ? p : Number.NaN), 0);
  if (sum !== 100) issues.push(issue(tile, `percentages must be positive and sum to 100 (they sum to ${Number.isNaN(sum) ? 'an invalid value' : sum})`));
  return issues;
}

function tileIssues(tile: Tile, index: GraphIndex, ctx: JourneyCheckContext): JourneyIssue[] {
  switch (tile.type) {
    case 'segment':
      return segmentTileIssues(tile, ctx);
    case 'email':
      return emailTileIssues(tile, ctx);
    case 'trigger':
      return triggerTileIssues(tile, index);
    case 'splitter':
      return splitterTileIssues(tile);
    case 'scheduler': {
      const { wait_days: wait, until } = tile.config ?? {};
      const valid = (typeof wait === 'number' && wait > 0) || (typeof until === 'string' && !Number.isNaN(Date.parse(until)));
      return valid ? [] : [issue(tile, 'needs config.wait_days (> 0) or config.until (a date-time)')];
    }
    case 'activity':
      return str(tile.config?.subject) ? [] : [issue(tile, 'config.subject is required')];
    case 'launch_workflow':
      return str(tile.config?.workflow) ? [] : [issue(tile, 'config.workflow is required')];
    default:
      return [];
  }
}

export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function settingsIssues(settings: JourneySettings, ctx: JourneyCheckContext): JourneyIssue[] {
  const issues: JourneyIssue[] = [];
  const start = Date.parse(settings.start_at ?? '');
  const end = Date.parse(settings.end_at ?? '');
  if (Number.isNaN(start)) issues.push({ field: 'settings.start_at', message: 'start date is required (ISO 8601)' });
  if (Number.isNaN(end)) issues.push({ field: 'settings.end_at', message: 'end date is required (ISO 8601)' });
  if (!Number.isNaN(start) && !Number.isNaN(end) && end <= start) issues.push({ field: 'settings.end_at', message: 'end date must be after the start date' });
  if (!validTimeZone(settings.time_zone ?? '')) issues.push({ field: 'settings.time_zone', message: `unknown time zone "${settings.time_zone}"; use an IANA name such as Europe/Oslo` });
  const recurring = settings.recurring;
  if (recurring) {
    const span = recurring.interval_days * recurring.count * DAY_MS;
    if (!(recurring.interval_days >= 1 && recurring.count >= 1)) issues.push({ field: 'settings.recurring', message: 'interval_days and count must be at least 1' });
    else if (!Number.isNaN(start) && !Number.isNaN(end) && start + span > end)
      issues.push({
        field: 'settings.recurring',
        message: `${recurring.count} recurrences of ${recurring.interval_days} days need ${span / DAY_MS} days but the window is ${Math.floor((end - start) / DAY_MS)} days; move the end date or reduce the count`,
      });
  }
  if (settings.suppression_segment_id && !ctx.segmentIds.has(settings.suppression_segment_id))
    issues.push({ field: 'settings.suppression_segment_id', message: `segment ${settings.suppression_segment_id} does not exist` });
  return issues;
}

/** The go-live error check (seed 002); every message names the tile or setting to fix. */
export function checkJourney(graph: JourneyGraph, settings: JourneySettings, ctx: JourneyCheckContext): JourneyIssue[] {
  const index = indexGraph(graph);
  const issues = structureIssues(graph, index);
  for (const tile of graph.tiles) issues.push(...tileIssues(tile, index, ctx));
  return [...issues, ...settingsIssues(settings, ctx)];
}
