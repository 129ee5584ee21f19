/**
 * A journey is a graph of tiles stored as JSON (journeys.graph). Segment and form tiles are the entry points
 * (ENTRY_TILE_TYPES); every other tile is reached through `next`. Tile configs by type (docs/api.md has the full
 * schema):
 *   segment          {segment_ids: uuid[], combine: 'union'|'intersection', exclude_segment_ids?: uuid[],
 *                     list_ids?: uuid[] (subscription lists, combined like segments)}
 *                    next = exactly one tile (the entry has no branches; a splitter after it makes several)
 *   form             {form_id: uuid (a form of the workspace, live at go-live)}: a contact enters when it submits
 *                    the form (form_submitted), once per iteration (docs/scheduler.md#inbound-journeys)
 *                    next = exactly one tile, as for a segment tile
 *   email            {email_id: uuid}
 *   ab_test          {variants: 2–3 × {email_id, label}, test_share 0.1–0.9, metric, duration_hours, min_sample?,
 *                     confidence?, fallback?} (ab-test.ts; docs/scheduler.md#ab-test); next = at most one tile
 *   trigger          {email_tile_id, condition (TRIGGER_CONDITIONS), link_id? (clicked_link),
 *                     timeout_days | timeout_hours | timeout_minutes | timeout_at (date-time, journey time zone)};
 *                    the web conditions (WEB_TRIGGER_CONDITIONS) name no email tile: form_submitted and its not_
 *                    form take {form_id}, page_visited and its not_ form {page_id}; lead_score and its not_
 *                    form take {model_id, min_score?} (docs/lead-scoring.md#trigger)
 *                    next = [path when the condition is met, path when it is not]
 *   splitter         {percentages: number[]} one per `next` entry, summing to 100
 *   scheduler        {wait_days | wait_hours | wait_minutes} or {until: date-time (journey time zone)} or
 *                    {weekdays: 1..7[] (Monday = 1), hour: 0..23} (next window in the contact's time zone)
 *   activity         {kind: 'task'|'phone_call'|'appointment', subject, due_in_days?, owner_id?: user uuid}
 *   launch_workflow  {workflow: string, url: https URL} (signed POST per contact, or per account)
 *   create_lead      {title?: string, owner_id?: user uuid}
 *   end              no next
 */
export const TILE_TYPES = [
  'segment',
  'form',
  'email',
  'ab_test',
  'trigger',
  'splitter',
  'scheduler',
  'activity',
  'launch_workflow',
  'create_lead',
  'end',
] as const;
export type TileType = (typeof TILE_TYPES)[number];

/** The tiles contacts enter a journey at: a segment tile's audience, a form tile's submitters. */
export const ENTRY_TILE_TYPES: readonly TileType[] = ['segment', 'form'];

/** Positive conditions fire on the engagement event; `not_*` ones are decided when the timeout passes. */
export const POSITIVE_TRIGGER_CONDITIONS = [
  'delivered',
  'opened',
  'clicked',
  'clicked_link',
  'forwarded',
  'attachment_viewed',
  'bounced',
  'hard_bounced',
  'soft_bounced',
  'complained',
  'unsubscribed',
  'form_submitted',
  'page_visited',
  'lead_score',
] as const;
/**
 * "lead score ≥ N" (docs/lead-scoring.md#trigger): config {model_id (a scoring model of the workspace, live at
 * go-live), min_score? (default: the live version's threshold)}; no email tile.
 */
export const LEAD_SCORE_CONDITION = 'lead_score';
/** Conditions on what the contact does on the web (docs/scheduler.md#inbound-journeys): no email tile, a form or page. */
export const WEB_TRIGGER_CONDITIONS = ['form_submitted', 'page_visited'] as const;
export type WebTriggerCondition = (typeof WEB_TRIGGER_CONDITIONS)[number];
/** The config field naming what a web condition waits for. */
export const WEB_TRIGGER_TARGET = { form_submitted: 'form_id', page_visited: 'page_id' } as const;
export const TRIGGER_CONDITIONS = [
  ...POSITIVE_TRIGGER_CONDITIONS,
  ...POSITIVE_TRIGGER_CONDITIONS.map((condition) => `not_${condition}` as const),
] as const;
export type TriggerCondition = (typeof TRIGGER_CONDITIONS)[number];

export interface Tile {
  id: string;
  type: TileType;
  next?: string[];
  config?: Record<string, unknown>;
}

export interface JourneyGraph {
  tiles: Tile[];
}

/** Entry pacing (docs/scheduler.md#entry-pacing); its rules are in entry-pacing.ts. */
export interface EntryPacing {
  max_contacts: number;
  per: 'hour' | 'day';
  /** ISO weekdays (1 = Monday … 7) on which contacts are admitted; absent or null: every day */
  weekdays?: number[] | null;
}

export interface JourneySettings {
  target: 'contacts' | 'accounts';
  start_at: string;
  end_at: string;
  time_zone: string;
  recurring?: { interval_days: number; count: number } | null;
  suppression_segment_id?: string | null;
  /** the journey's subscription list: contacts who unsubscribed from it (or a targeted list) are blocked before every tile */
  list_id?: string | null;
  min_consent: number;
  content_settings_id?: string | null;
  /** transactional mail (receipts, password resets): not counted or held back by the workspace's frequency cap */
  transactional?: boolean;
  /** the journey's own quiet hours, or null for none; absent: the workspace's (docs/scheduler.md#quiet-hours) */
  quiet_hours?: QuietHours | null;
  /** entry pacing: at most N contacts admitted per hour or day, optionally on chosen weekdays (entry-pacing.ts) */
  entry_pacing?: EntryPacing | null;
  /** the journey's goal and exit criterion, or null for none (docs/scheduler.md#goal; checked in journey-goal.ts) */
  goal?: JourneyGoal | null;
  /** the journey's control group, fixed at go-live, or null for none (docs/scheduler.md#holdout; holdout.ts) */
  holdout?: JourneyHoldout | null;
}

/** A journey-level control group (docs/scheduler.md#holdout): the share, 0 < share ≤ 0.5, of entering contacts that travel the journey without mail. */
export interface JourneyHoldout {
  share: number;
}

/** What reaching a journey's goal means (docs/scheduler.md#goal). */
export const GOAL_EVENTS = ['clicked_link', 'form_submitted', 'lead_generated', 'event'] as const;
export type GoalEvent = (typeof GOAL_EVENTS)[number];

export interface JourneyGoal {
  event: GoalEvent;
  /** clicked_link: a click in the messages of this email tile (absent: of any email tile of the journey) */
  email_tile_id?: string | null;
  /** clicked_link: only this link (absent: any link) */
  link_id?: string | null;
  /** form_submitted: the form (a form of the workspace) */
  form_id?: string | null;
  /** event: an email event type (EMAIL_EVENT_TYPES) of the contact, e.g. posted through the batch API */
  event_type?: string | null;
  /** the share of entered contacts the journey aims to bring to the goal: 0 < x ≤ 1 */
  target_share: number;
  /** whether a contact who reached the goal leaves the journey */
  exit: boolean;
}

/** A daily window of local wall-clock times ("HH:MM", end exclusive; start after end spans midnight). */
export interface QuietHours {
  start: string;
  end: string;
  /** releases spread over this many minutes after the window ends; default 10 */
  spread_minutes?: number;
}

export interface JourneyIssue {
  field: string;
  message: string;
}

/** Adjacency with unknown targets dropped (reported separately), plus the reverse edges. */
export interface GraphIndex {
  byId: Map<string, Tile>;
  successors: Map<string, string[]>;
  predecessors: Map<string, string[]>;
}

export function indexGraph(graph: JourneyGraph): GraphIndex {
  const byId = new Map(graph.tiles.map((tile) => [tile.id, tile]));
  const successors = new Map<string, string[]>();
  const predecessors = new Map<string, string[]>(graph.tiles.map((tile) => [tile.id, []]));
  for (const tile of graph.tiles) {
    const next = (tile.next ?? []).filter((id) => byId.has(id));
    successors.set(tile.id, next);
    for (const id of next) predecessors.get(id)?.push(tile.id);
  }
  return { byId, successors, predecessors };
}

/** Every tile reachable from `from` following `edges` (excluding the start tiles themselves unless revisited). */
export function reachable(from: string[], edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const queue = [...from];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const next of edges.get(id) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

/** Tile ids on a cycle, found by depth-first search with an explicit stack (graphs may be large). */
export function cycleTiles(index: GraphIndex): string[] {
  const state = new Map<string, 1 | 2>();
  const onCycle = new Set<string>();
  for (const start of index.byId.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: string; next: number };
      const child = index.successors.get(frame.id)?.[frame.next++];
      if (child === undefined) {
        state.set(frame.id, 2);
        stack.pop();
      } else if (state.get(child) === 1) {
        for (let i = stack.findIndex((f) => f.id === child); i < stack.length; i++)
          onCycle.add((stack[i] as { id: string }).id);
      } else if (!state.has(child)) {
        state.set(child, 1);
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return [...onCycle];
}

/**
 * Tile ids so that every tile comes after all its predecessors (Kahn's algorithm); the engine moves contacts
 * through a step's tiles in this order, so one pass visits each tile once. Tiles on a cycle (which the go-live
 * check refuses) come last.
 */
export function topologicalOrder(index: GraphIndex): string[] {
  const remaining = new Map([...index.predecessors].map(([id, from]) => [id, from.length]));
  const ready = [...remaining].filter(([, n]) => n === 0).map(([id]) => id);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i] as string;
    order.push(id);
    for (const next of index.successors.get(id) ?? []) {
      const left = (remaining.get(next) ?? 1) - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const placed = new Set(order);
  return [...order, ...[...index.byId.keys()].filter((id) => !placed.has(id))];
}
