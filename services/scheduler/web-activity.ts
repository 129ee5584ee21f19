import type { Pool, PoolClient } from 'pg';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import {
  WEB_TRIGGER_TARGET,
  type Tile,
  type TriggerCondition,
  type WebTriggerCondition,
} from '../../lib/domain/journeys/journey-graph';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { enterFresh, mayEnter } from './entry-batch';
import { activeIteration, runtimeOf, targetsAccounts, type JourneyRow, type JourneyRuntime } from './journey-runtime';
import { parseCondition } from './tile-rules';

// Inbound journeys (docs/scheduler.md#inbound-journeys): form submissions enter contacts at form tiles, and
// submissions and page visits meet the triggers that wait for them.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A known contact's form submission or page visit, as the engine uses it. */
export interface WebActivity {
  kind: WebTriggerCondition;
  workspaceId: string;
  contactId: string;
  /** the form or the page */
  targetId: string;
  eventTime: number;
}

/**
 * What a `form_submitted` or `page_visited` event means for journeys. An anonymous visit (contact_id '') and machine
 * traffic (a scanner fetching a page) mean nothing; ids that are not uuids are ignored, never looked up.
 */
export function webActivitiesOf(event: CairnEvent): WebActivity[] {
  if (event.type !== 'form_submitted' && event.type !== 'page_visited') return [];
  const { data } = event;
  const targetId = event.type === 'form_submitted' ? event.data.form_id : (event.data.page_id ?? '');
  if (data.machine || ![data.workspace_id, data.contact_id, targetId].every((id) => UUID.test(id))) return [];
  const lower = (id: string): string => id.toLowerCase();
  return [
    {
      kind: event.type,
      workspaceId: lower(data.workspace_id),
      contactId: lower(data.contact_id),
      targetId: lower(targetId),
      eventTime: data.event_time,
    },
  ];
}

/** Live journeys of the workspace with a tile whose config names the form or page (the GIN index of 0380). */
async function journeysNaming(pool: Pool, activity: WebActivity): Promise<JourneyRuntime[]> {
  const field = WEB_TRIGGER_TARGET[activity.kind];
  const { rows } = await pool.query<JourneyRow>(
    `SELECT id, workspace_id, status, graph, settings FROM journeys
     WHERE status = 'live' AND workspace_id = $1 AND graph -> 'tiles' @> $2::jsonb`,
    [activity.workspaceId, JSON.stringify([{ config: { [field]: activity.targetId } }])],
  );
  return rows.map(runtimeOf);
}

/** A trigger's condition as the go-live check let it through ('' for a tile without one: it matches nothing). */
const conditionOf = (tile: Tile): TriggerCondition => String(tile.config?.condition ?? '') as TriggerCondition;

/** The form tiles a submission enters at and the triggers that wait for the activity. */
function tilesFor(journey: JourneyRuntime, activity: WebActivity): { entries: Tile[]; triggers: Tile[] } {
  const field = WEB_TRIGGER_TARGET[activity.kind];
  const names = (tile: Tile): boolean => tile.config?.[field] === activity.targetId;
  const tiles = journey.row.graph.tiles.filter(names);
  return {
    entries: activity.kind === 'form_submitted' ? tiles.filter((tile) => tile.type === 'form') : [],
    triggers: tiles.filter(
      (tile) => tile.type === 'trigger' && parseCondition(conditionOf(tile)).kind === activity.kind,
    ),
  };
}

/**
 * The submitters enter the journey's iteration at the form tile, as a segment tile's audience does (entry-batch.ts:
 * blocking, entry pacing and every side effect in this transaction). Only a submission made in the iteration that
 * is active now counts, and only contacts of the journey's workspace that were not erased and are not on the
 * journey yet. Returns whether the outbox got rows.
 *
 * NOTE: a contact enters at a form tile at most once per iteration. The transaction waits for the journey's entry
 * lock (mayEnter) and reads who is on the journey after it, so a second submission, a Kafka redelivery of the same
 * one, or a contact already entered from a segment tile finds the contact present (journey_contacts' primary key
 * is (journey, iteration, contact)) and adds nothing.
 */
async function enterAtFormTile(
  pool: Pool,
  journey: JourneyRuntime,
  tile: Tile,
  activities: WebActivity[],
  now: number,
): Promise<boolean> {
  const iteration = activeIteration(journey, now);
  if (iteration === null) return false;
  const submitters = [
    ...new Set(activities.filter((a) => activeIteration(journey, a.eventTime) === iteration).map((a) => a.contactId)),
  ];
  if (submitters.length === 0) return false;
  return inTransaction(pool, async (client) => {
    if (!(await mayEnter(client, journey.row.id, iteration, now, true))) return false;
    const { rows: fresh } = await client.query<{ contact_id: string; account_id: string | null }>(
      `SELECT c.id::text AS contact_id, c.account_id::text FROM contacts c
       WHERE c.id = ANY($1::uuid[]) AND c.workspace_id = $2
         AND NOT EXISTS (SELECT 1 FROM contact_erasures x WHERE x.contact_id = c.id)
         AND NOT EXISTS (SELECT 1 FROM journey_contacts jc WHERE jc.journey_id = $3 AND jc.iteration = $4 AND jc.contact_id = c.id)
       ORDER BY c.id`,
      [submitters, journey.row.workspace_id, journey.row.id, iteration],
    );
    if (fresh.length === 0) return false;
    return enterFresh(client, journey, iteration, tile.id, fresh, now);
  });
}

/**
 * Records the activity at a trigger for the contacts waiting there now (after they reached it) and, for a positive
 * condition, makes them due at once; a not_ condition is decided at the timeout from the same record (metFor in
 * hold-tiles.ts). When the journey targets accounts, the activity of any contact of an account is recorded for every
 * contact of that account waiting there, as engagements are (docs/scheduler.md#accounts). Returns whether the
 * trigger woke someone.
 *
 * Lead score triggers are met the same way (lead-score-trigger.ts).
 *
 * NOTE: recorded once: journey_web_engagements is keyed by (journey, iteration, trigger, contact) and inserted ON
 * CONFLICT DO NOTHING, and waking only moves contacts that still wait, so a redelivery changes nothing.
 */
export async function meetTrigger(
  client: PoolClient,
  journey: JourneyRuntime,
  tile: Tile,
  contactIds: string[],
  now: number,
): Promise<boolean> {
  const iteration = activeIteration(journey, now);
  if (iteration === null) return false;
  const positive = !parseCondition(conditionOf(tile)).negated;
  const { rowCount } = await client.query(
    `WITH actors AS (
       SELECT c.id, c.account_id FROM contacts c
       WHERE c.id = ANY($3::uuid[]) AND c.workspace_id = $7 AND NOT EXISTS (SELECT 1 FROM contact_erasures x WHERE x.contact_id = c.id)),
     waiting AS (
       SELECT jc.contact_id FROM actors JOIN journey_contacts jc ON jc.journey_id = $1 AND jc.iteration = $2 AND jc.contact_id = actors.id
       WHERE jc.tile_id = $4 AND jc.state = 'waiting'
       UNION
       SELECT jc.contact_id FROM actors JOIN journey_contacts jc ON jc.journey_id = $1 AND jc.iteration = $2 AND jc.account_id = actors.account_id
       WHERE $6 AND jc.tile_id = $4 AND jc.state = 'waiting'),
     met AS (
       INSERT INTO journey_web_engagements (journey_id, iteration, trigger_tile_id, contact_id)
       SELECT $1, $2, $4, contact_id FROM waiting ON CONFLICT DO NOTHING RETURNING contact_id)
     UPDATE journey_contacts jc SET due_at = 'epoch' FROM met
     WHERE $5 AND jc.journey_id = $1 AND jc.iteration = $2 AND jc.contact_id = met.contact_id AND jc.tile_id = $4 AND jc.state = 'waiting'`,
    [journey.row.id, iteration, contactIds, tile.id, positive, targetsAccounts(journey), journey.row.workspace_id],
  );
  return (rowCount ?? 0) > 0;
}

/** What a batch's web activity did: triggers woken (each needs a step job) and whether the outbox got rows. */
export interface WebActivityResult {
  woken: Array<{ journey_id: string; tile_id: string }>;
  outbox: boolean;
}

/** The batch's activities grouped by (workspace, kind, form or page). */
function byTarget(events: readonly CairnEvent[]): WebActivity[][] {
  const groups = new Map<string, WebActivity[]>();
  for (const activity of events.flatMap(webActivitiesOf)) {
    const key = `${activity.workspaceId}:${activity.kind}:${activity.targetId}`;
    const group = groups.get(key);
    if (group) group.push(activity);
    else groups.set(key, [activity]);
  }
  return [...groups.values()];
}

type Found = { journey: JourneyRuntime; tile: Tile; activities: WebActivity[] };

/**
 * Form submissions and page visits of a batch of email-topic events: first the triggers waiting for them (one
 * transaction), then entries at form tiles (one transaction per tile), so the submission that brings a contact in
 * never meets a trigger further on that waits for a submission of the same form. The engagement consumer commits
 * its offsets after this resolves.
 */
export async function recordWebActivity(
  pool: Pool,
  events: readonly CairnEvent[],
  now: number,
): Promise<WebActivityResult> {
  const result: WebActivityResult = { woken: [], outbox: false };
  const entries: Found[] = [];
  const triggers: Found[] = [];
  for (const activities of byTarget(events)) {
    const first = activities[0] as WebActivity;
    for (const journey of await journeysNaming(pool, first)) {
      const tiles = tilesFor(journey, first);
      for (const tile of tiles.entries) entries.push({ journey, tile, activities });
      for (const tile of tiles.triggers) triggers.push({ journey, tile, activities });
    }
  }
  if (triggers.length > 0)
    await inTransaction(pool, async (client) => {
      for (const { journey, tile, activities } of triggers)
        if (await meetTrigger(client, journey, tile, [...new Set(activities.map((a) => a.contactId))], now))
          result.woken.push({ journey_id: journey.row.id, tile_id: tile.id });
    });
  for (const { journey, tile, activities } of entries)
    if (await enterAtFormTile(pool, journey, tile, activities, now)) result.outbox = true;
  return result;
}
