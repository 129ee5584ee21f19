import type { Pool, PoolClient } from 'pg';
import { isJourneyEventType, type CairnEvent, type EmailEvent } from '../../lib/contracts/events/event-types';
import type { JourneyGoal } from '../../lib/domain/journeys/journey-graph';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { activeIteration, runtimeOf, type JourneyRow, type JourneyRuntime } from './journey-runtime';
import { StepEffects } from './step-effects';

// A journey's goal and exit criterion (docs/scheduler.md#goal): the email-topic events that reach it, recorded once
// per (journey, iteration, contact), and the contacts who leave the journey when the goal says so.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tile_blocked reason of a contact the goal moved out (counted at the tile it left: docs/kpis.md#journey-goal). */
export const GOAL_EXIT_REASON = 'goal_exit';

const isEmailEvent = (event: CairnEvent): event is EmailEvent => !isJourneyEventType(event.type);

/** A contact's event that may reach goals: an email-topic event, human, with a workspace and contact that are uuids. */
function goalCandidate(event: CairnEvent): EmailEvent | null {
  if (!isEmailEvent(event)) return null;
  const { data } = event;
  if (data.machine || !UUID.test(data.workspace_id) || !UUID.test(data.contact_id)) return null;
  return event;
}

/** The iteration in which `event` reaches the journey's goal, or null when it does not. */
export function goalIteration(journey: JourneyRuntime, goal: JourneyGoal, event: EmailEvent): number | null {
  const iteration = activeIteration(journey, event.data.event_time);
  if (iteration === null) return null;
  const same = (a: unknown, b: unknown): boolean =>
    typeof a === 'string' && a.toLowerCase() === String(b).toLowerCase();
  switch (goal.event) {
    case 'clicked_link': {
      if (event.type !== 'click' || event.data.link_kind === 'attachment') return null;
      if (!same(event.data.journey_id, journey.row.id) || (event.data.iteration ?? 0) !== iteration) return null;
      if (goal.email_tile_id != null && event.data.tile_id !== goal.email_tile_id) return null;
      return goal.link_id == null || event.data.link_id === goal.link_id ? iteration : null;
    }
    case 'form_submitted':
      return event.type === 'form_submitted' && same(event.data.form_id, goal.form_id) ? iteration : null;
    case 'lead_generated':
      return event.type === 'lead_generated' ? iteration : null;
    case 'event':
      return event.type === goal.event_type ? iteration : null;
    default:
      return null;
  }
}

/** Live journeys with a goal in the workspaces of the batch (the partial index of 0410). */
async function journeysWithGoals(pool: Pool, workspaceIds: string[]): Promise<JourneyRuntime[]> {
  const { rows } = await pool.query<JourneyRow>(
    `SELECT id, workspace_id, status, graph, settings FROM journeys
     WHERE workspace_id = ANY($1::uuid[]) AND status = 'live' AND settings ? 'goal' AND settings -> 'goal' <> 'null'::jsonb`,
    [workspaceIds],
  );
  return rows.map(runtimeOf);
}

type Reached = { iteration: number; contact_id: string; tile_id: string };

/**
 * Records the goal for the contacts on the journey (in the event's iteration, entered before the event was
 * processed, not erased), moves them out when the goal exits, and writes their events to the outbox.
 *
 * NOTE: exactly once. journey_goals' primary key (journey, iteration, contact) takes a contact's first goal event
 * only (ON CONFLICT DO NOTHING); its events are written for the rows this transaction inserted, so a second
 * event or a Kafka redelivery records and emits nothing. The contacts' rows are locked first (FOR UPDATE): a step
 * that holds one finishes, and the goal sees where it left the contact; steps skip the rows locked here.
 */
async function reachGoal(
  client: PoolClient,
  journey: JourneyRuntime,
  goal: JourneyGoal,
  hits: Array<{ iteration: number; contactId: string }>,
  now: number,
): Promise<boolean> {
  const its = hits.map((h) => h.iteration);
  const ids = hits.map((h) => h.contactId);
  await client.query(
    `SELECT 1 FROM journey_contacts jc JOIN unnest($2::int[], $3::uuid[]) AS h(i, c) ON jc.iteration = h.i AND jc.contact_id = h.c
     WHERE jc.journey_id = $1 ORDER BY jc.iteration, jc.contact_id FOR UPDATE OF jc`,
    [journey.row.id, its, ids],
  );
  const { rows: reached } = await client.query<Reached>(
    `INSERT INTO journey_goals (journey_id, iteration, contact_id, tile_id, goal_event, exited)
     SELECT DISTINCT ON (jc.iteration, jc.contact_id) $1, jc.iteration, jc.contact_id, jc.tile_id, $4, $5 AND jc.state IN ('at', 'waiting')
     FROM unnest($2::int[], $3::uuid[]) AS h(i, c) JOIN journey_contacts jc ON jc.journey_id = $1 AND jc.iteration = h.i AND jc.contact_id = h.c
     WHERE NOT EXISTS (SELECT 1 FROM contact_erasures x WHERE x.contact_id = h.c)
     ORDER BY jc.iteration, jc.contact_id
     ON CONFLICT DO NOTHING RETURNING iteration, contact_id::text, tile_id`,
    [journey.row.id, its, ids, goal.event, goal.exit === true],
  );
  if (reached.length === 0) return false;
  const exited = new Set<string>();
  if (goal.exit === true) {
    const { rows } = await client.query<{ iteration: number; contact_id: string }>(
      `UPDATE journey_contacts jc SET state = 'exited', due_at = NULL
       FROM unnest($2::int[], $3::uuid[]) AS r(i, c)
       WHERE jc.journey_id = $1 AND jc.iteration = r.i AND jc.contact_id = r.c AND jc.state IN ('at', 'waiting')
       RETURNING jc.iteration, jc.contact_id::text`,
      [journey.row.id, reached.map((r) => r.iteration), reached.map((r) => r.contact_id)],
    );
    for (const row of rows) exited.add(`${row.iteration}:${row.contact_id}`);
  }
  const effects = new StepEffects();
  for (const r of reached) {
    const tile = { id: r.tile_id, type: journey.index.byId.get(r.tile_id)?.type ?? '' };
    const out = exited.has(`${r.iteration}:${r.contact_id}`);
    effects.event('goal_reached', tile, r.iteration, r.contact_id, out ? `${goal.event}|exited` : goal.event);
    // an exit leaves the tile's Processing, counted with its Blocked by reason (docs/kpis.md#journey-goal)
    if (out) effects.event('tile_blocked', tile, r.iteration, r.contact_id, GOAL_EXIT_REASON);
  }
  await effects.write(client, { id: journey.row.id, workspaceId: journey.row.workspace_id }, now);
  return true;
}

/**
 * The goals a batch of email-topic events reaches (the engagement consumer, after engagements and web activity).
 * Returns whether the outbox got rows. One query finds the live journeys with a goal in the batch's workspaces.
 */
export async function recordGoals(pool: Pool, events: readonly CairnEvent[], now: number): Promise<boolean> {
  const candidates = events.flatMap((event) => goalCandidate(event) ?? []);
  if (candidates.length === 0) return false;
  const workspaces = [...new Set(candidates.map((e) => e.data.workspace_id.toLowerCase()))];
  let outbox = false;
  for (const journey of await journeysWithGoals(pool, workspaces)) {
    const goal = journey.row.settings.goal;
    if (!goal) continue;
    const hits = new Map<string, { iteration: number; contactId: string }>();
    for (const event of candidates) {
      if (event.data.workspace_id.toLowerCase() !== journey.row.workspace_id.toLowerCase()) continue;
      const iteration = goalIteration(journey, goal, event);
      const contactId = event.data.contact_id.toLowerCase();
      if (iteration !== null) hits.set(`${iteration}:${contactId}`, { iteration, contactId });
    }
    if (hits.size === 0) continue;
    if (await inTransaction(pool, (client) => reachGoal(client, journey, goal, [...hits.values()], now))) outbox = true;
  }
  return outbox;
}
