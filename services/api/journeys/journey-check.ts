import { abTestIssues } from '../../../lib/domain/journeys/ab-test';
import { entryPacingIssues } from '../../../lib/domain/journeys/entry-pacing';
import { sendTimeTileIssues } from './send-time-check';
import { literalEgressRefusal, type EgressPolicy } from '../../../lib/platform/egress/egress-policy';
import {
  cycleTiles,
  ENTRY_TILE_TYPES,
  indexGraph,
  reachable,
  TILE_TYPES,
  TRIGGER_CONDITIONS,
  type GraphIndex,
  type JourneyGraph,
  type JourneyIssue,
  type JourneySettings,
  type Tile,
} from '../../../lib/domain/journeys/journey-graph';
import { quietHoursIssue } from './quiet-hours-check';
import { validTimeZone } from './time-zone';
import { webTileIssues, namesNoEmailTile, leadScoreIssues, type WebCheckContext } from './journey-web-check';

/** What the check needs to know about the workspace; the caller loads it, the check stays pure. */
export interface JourneyCheckContext extends WebCheckContext {
  emailStatus: ReadonlyMap<string, string>;
  segmentIds: ReadonlySet<string>;
  /** the workspace's users among those the graph names as owners */
  userIds: ReadonlySet<string>;
  /** the deployment's egress policy: a launch-workflow URL it refuses outright is a problem of the tile */
  egress: EgressPolicy;
}

const DAY_MS = 86_400_000;

const label = (tile: Tile): string => `tile "${tile.id}" (${tile.type})`;
const issue = (tile: Tile, message: string): JourneyIssue => ({
  field: `graph.tiles.${tile.id}`,
  message: `${label(tile)}: ${message}`,
});

function structureIssues(graph: JourneyGraph, index: GraphIndex): JourneyIssue[] {
  const issues: JourneyIssue[] = [];
  const ids = new Set<string>();
  for (const tile of graph.tiles) {
    if (ids.has(tile.id)) issues.push(issue(tile, 'duplicate tile id'));
    ids.add(tile.id);
    if (!TILE_TYPES.includes(tile.type))
      issues.push(issue(tile, `unknown tile type; use one of ${TILE_TYPES.join(', ')}`));
    for (const next of tile.next ?? [])
      if (!index.byId.has(next)) issues.push(issue(tile, `next names tile "${next}", which does not exist`));
    if (tile.type === 'end' && (tile.next ?? []).length > 0) issues.push(issue(tile, 'an end tile has no next tiles'));
    issues.push(...nextCountIssues(tile));
    if (ENTRY_TILE_TYPES.includes(tile.type) && (index.predecessors.get(tile.id) ?? []).length > 0)
      issues.push(issue(tile, `a ${tile.type} tile starts the journey and cannot follow another tile`));
  }
  const starts = graph.tiles.filter((tile) => ENTRY_TILE_TYPES.includes(tile.type)).map((tile) => tile.id);
  if (starts.length === 0)
    issues.push({ field: 'graph.tiles', message: 'the journey needs a segment tile or form tile to start from' });
  const seen = reachable(starts, index.successors);
  for (const tile of graph.tiles)
    if (!ENTRY_TILE_TYPES.includes(tile.type) && !seen.has(tile.id))
      issues.push(issue(tile, 'unreachable: no segment or form tile leads here'));
  for (const id of cycleTiles(index))
    issues.push(issue(index.byId.get(id) as Tile, 'is part of a cycle; journeys must not loop'));
  return issues;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Tiles with one path out, and how many next tiles each names: [least, most]. The engine moves a contact to the
 * only next tile of these, so more would be dropped silently. A segment tile is the journey's entry, from which the
 * contact moves straight on (docs/scheduler.md#tiles): exactly one, several paths start from a splitter after it; a
 * scheduler tile only waits, so it leads somewhere; email, activity, launch-workflow and create-lead tiles may end
 * a path. Trigger and splitter tiles have their own rules (below); an end tile has none.
 */
const SINGLE_PATH: Readonly<Record<string, readonly [number, number]>> = {
  segment: [1, 1],
  form: [1, 1],
  scheduler: [1, 1],
  email: [0, 1],
  activity: [0, 1],
  launch_workflow: [0, 1],
  create_lead: [0, 1],
};

function nextCountIssues(tile: Tile): JourneyIssue[] {
  const bounds = SINGLE_PATH[tile.type];
  const next = tile.next ?? [];
  if (!bounds || (next.length >= bounds[0] && next.length <= bounds[1])) return [];
  const wanted = bounds[0] === 1 ? 'exactly one next tile' : 'at most one next tile';
  const found = next.length === 0 ? 'next is empty' : `next names ${next.length} tiles (${next.join(', ')})`;
  const hint = ENTRY_TILE_TYPES.includes(tile.type) ? 'an entry tile starts one path' : 'this tile has one path out';
  return [issue(tile, `needs ${wanted}, ${found}; ${hint} (use a splitter after it for several)`)];
}

function segmentTileIssues(tile: Tile, ctx: JourneyCheckContext): JourneyIssue[] {
  const config = tile.config ?? {};
  const include = Array.isArray(config.segment_ids) ? (config.segment_ids as unknown[]) : [];
  const exclude = Array.isArray(config.exclude_segment_ids) ? (config.exclude_segment_ids as unknown[]) : [];
  const lists = Array.isArray(config.list_ids) ? (config.list_ids as unknown[]) : [];
  const issues: JourneyIssue[] = [];
  if (include.length === 0 && lists.length === 0)
    issues.push(issue(tile, 'config.segment_ids (or config.list_ids) needs at least one segment or list'));
  for (const id of lists)
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id))
      issues.push(issue(tile, `list ${String(id)} is not a list id`));
  for (const id of [...include, ...exclude])
    if (typeof id !== 'string' || !ctx.segmentIds.has(id))
      issues.push(issue(tile, `segment ${String(id)} does not exist`));
  if (config.combine !== undefined && config.combine !== 'union' && config.combine !== 'intersection')
    issues.push(issue(tile, 'config.combine must be union or intersection'));
  return issues;
}

function emailTileIssues(tile: Tile, ctx: JourneyCheckContext): JourneyIssue[] {
  const emailId = str(tile.config?.email_id);
  if (!emailId) return [issue(tile, 'config.email_id is required')];
  const status = ctx.emailStatus.get(emailId);
  if (status === undefined) return [issue(tile, `email ${emailId} does not exist`)];
  return status === 'live'
    ? []
    : [issue(tile, `email ${emailId} is ${status}; make it live before the journey goes live`)];
}

function triggerTileIssues(tile: Tile, index: GraphIndex): JourneyIssue[] {
  const config = tile.config ?? {};
  const issues: JourneyIssue[] = [];
  if (!TRIGGER_CONDITIONS.includes(config.condition as never))
    issues.push(issue(tile, `config.condition must be one of ${TRIGGER_CONDITIONS.join(', ')}`));
  const durations = ['timeout_days', 'timeout_hours', 'timeout_minutes'].filter((key) => config[key] !== undefined);
  const validDuration =
    durations.length === 1 &&
    typeof config[durations[0] as string] === 'number' &&
    (config[durations[0] as string] as number) > 0;
  const validAt =
    durations.length === 0 && typeof config.timeout_at === 'string' && !Number.isNaN(Date.parse(config.timeout_at));
  if (!validDuration && !validAt)
    issues.push(
      issue(
        tile,
        'needs one timeout: timeout_days, timeout_hours or timeout_minutes (> 0), or timeout_at (a date-time)',
      ),
    );
  if (config.condition === 'clicked_link' || config.condition === 'not_clicked_link')
    if (!str(config.link_id))
      issues.push(issue(tile, 'config.link_id names the link a clicked_link condition waits for'));
  if ((tile.next ?? []).length !== 2)
    issues.push(issue(tile, 'needs exactly two next tiles: [condition met, timed out]'));
  // no email tile: the form, page or scoring model, and a lead score's min_score (journey-web-check.ts)
  if (namesNoEmailTile(config.condition)) return [...issues, ...leadScoreIssues(config).map((m) => issue(tile, m))];
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
  if (sum !== 100)
    issues.push(
      issue(
        tile,
        `percentages must be positive and sum to 100 (they sum to ${Number.isNaN(sum) ? 'an invalid value' : sum})`,
      ),
    );
  return issues;
}

const positive = (value: unknown): boolean => typeof value === 'number' && value > 0;
function schedulerTileIssues(tile: Tile): JourneyIssue[] {
  const { wait_days: days, wait_hours: hours, wait_minutes: minutes, until, weekdays, hour } = tile.config ?? {};
  const window =
    Array.isArray(weekdays) &&
    weekdays.length > 0 &&
    weekdays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7) &&
    Number.isInteger(hour) &&
    (hour as number) >= 0 &&
    (hour as number) <= 23;
  const valid =
    positive(days) ||
    positive(hours) ||
    positive(minutes) ||
    (typeof until === 'string' && !Number.isNaN(Date.parse(until))) ||
    window;
  return valid
    ? []
    : [
        issue(
          tile,
          'needs config.wait_days, wait_hours or wait_minutes (> 0), config.until (a date-time), or config.weekdays (1–7) with config.hour (0–23)',
        ),
      ];
}

/**
 * The URL's literal check (lib/platform/egress): an IP literal or loopback name the egress policy refuses, another
 * scheme or port, is refused here (issue 20: a tile aimed at ClickHouse on 127.0.0.1:8123); a name that
 * resolves to a refused address is refused when the webhook is sent (tile_failed, egress_refused).
 */
function workflowTileIssues(tile: Tile, ctx: JourneyCheckContext): JourneyIssue[] {
  const issues: JourneyIssue[] = [];
  if (!str(tile.config?.workflow)) issues.push(issue(tile, 'config.workflow is required'));
  const url = str(tile.config?.url);
  if (!url || !/^https?:\/\/[^\s]+$/.test(url))
    issues.push(issue(tile, 'config.url (http or https) is where the signed webhook is posted'));
  else {
    const refusal = literalEgressRefusal(url, ctx.egress);
    if (refusal !== null) issues.push(issue(tile, `config.url ${refusal}`));
  }
  return issues;
}

/** An activity or create-lead tile may name the owner of what it creates: a user of this workspace. */
function ownerIssues(tile: Tile, ctx: JourneyCheckContext): JourneyIssue[] {
  const owner = tile.config?.owner_id;
  if (owner === undefined || owner === null) return [];
  return typeof owner === 'string' && ctx.userIds.has(owner)
    ? []
    : [issue(tile, `config.owner_id ${JSON.stringify(owner)} is not a user of this workspace (GET /v1/users)`)];
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
    case 'scheduler':
      return schedulerTileIssues(tile);
    case 'activity':
      return [
        ...(str(tile.config?.subject) ? [] : [issue(tile, 'config.subject is required')]),
        ...ownerIssues(tile, ctx),
      ];
    case 'create_lead':
      return ownerIssues(tile, ctx);
    case 'launch_workflow':
      return workflowTileIssues(tile, ctx);
    default:
      return [];
  }
}

export function settingsIssues(settings: JourneySettings, ctx: JourneyCheckContext): JourneyIssue[] {
  const issues: JourneyIssue[] = [];
  const start = Date.parse(settings.start_at ?? '');
  const end = Date.parse(settings.end_at ?? '');
  if (Number.isNaN(start)) issues.push({ field: 'settings.start_at', message: 'start date is required (ISO 8601)' });
  if (Number.isNaN(end)) issues.push({ field: 'settings.end_at', message: 'end date is required (ISO 8601)' });
  if (!Number.isNaN(start) && !Number.isNaN(end) && end <= start)
    issues.push({ field: 'settings.end_at', message: 'end date must be after the start date' });
  if (!validTimeZone(settings.time_zone ?? ''))
    issues.push({
      field: 'settings.time_zone',
      message: `unknown time zone "${settings.time_zone}"; use an IANA name such as Europe/Oslo`,
    });
  const recurring = settings.recurring;
  if (recurring) {
    const span = recurring.interval_days * recurring.count * DAY_MS;
    if (!(recurring.interval_days >= 1 && recurring.count >= 1))
      issues.push({ field: 'settings.recurring', message: 'interval_days and count must be at least 1' });
    else if (!Number.isNaN(start) && !Number.isNaN(end) && start + span > end)
      issues.push({
        field: 'settings.recurring',
        message: `${recurring.count} recurrences of ${recurring.interval_days} days need ${span / DAY_MS} days but the window is ${Math.floor((end - start) / DAY_MS)} days; move the end date or reduce the count`,
      });
  }
  if (settings.suppression_segment_id && !ctx.segmentIds.has(settings.suppression_segment_id))
    issues.push({
      field: 'settings.suppression_segment_id',
      message: `segment ${settings.suppression_segment_id} does not exist`,
    });
  const quiet = settings.quiet_hours ? quietHoursIssue(settings.quiet_hours, 'settings.quiet_hours') : null;
  if (quiet) issues.push(quiet);
  return [...issues, ...entryPacingIssues(settings.entry_pacing)];
}

/** The go-live error check (docs/api.md#error-check-go-live-stop); every message names the tile or setting to fix. */
export function checkJourney(graph: JourneyGraph, settings: JourneySettings, ctx: JourneyCheckContext): JourneyIssue[] {
  const index = indexGraph(graph);
  const issues = structureIssues(graph, index);
  for (const tile of graph.tiles) issues.push(...tileIssues(tile, index, ctx));
  // abTestIssues: docs/scheduler.md#ab-test
  return [
    ...issues,
    ...abTestIssues(graph, settings, ctx.emailStatus),
    ...webTileIssues(graph, ctx),
    ...sendTimeTileIssues(graph),
    ...settingsIssues(settings, ctx),
  ];
}
