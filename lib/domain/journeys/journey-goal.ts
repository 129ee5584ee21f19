import { GOAL_EVENT_TYPES } from '../../contracts/events/event-types';
import { GOAL_EVENTS, type JourneyGoal, type JourneyGraph, type JourneyIssue } from './journey-graph';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LINK_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** What the goal's check needs besides the journey: the status of the goal's form in the workspace (absent: none). */
export interface GoalCheckContext {
  goalFormStatus?: string;
}

/** The fields a goal event may name; any other is a mistake the check reports. */
const ALLOWED: Record<JourneyGoal['event'], readonly string[]> = {
  clicked_link: ['email_tile_id', 'link_id'],
  form_submitted: ['form_id'],
  lead_generated: [],
  event: ['event_type'],
};
const TARGETS = ['email_tile_id', 'link_id', 'form_id', 'event_type'] as const;

function targetIssues(goal: JourneyGoal, graph: JourneyGraph, ctx: GoalCheckContext): JourneyIssue[] {
  const at = (field: string, message: string): JourneyIssue => ({ field: `settings.goal.${field}`, message });
  const issues: JourneyIssue[] = TARGETS.filter(
    (field) => goal[field] != null && !ALLOWED[goal.event].includes(field),
  ).map((field) => at(field, `a ${goal.event} goal names no ${field}`));
  if (goal.event === 'clicked_link') {
    const tile = graph.tiles.find((t) => t.id === goal.email_tile_id);
    if (goal.email_tile_id != null && tile?.type !== 'email')
      issues.push(at('email_tile_id', `"${String(goal.email_tile_id)}" is not an email tile of this journey`));
    if (goal.link_id != null && !LINK_ID.test(goal.link_id))
      issues.push(at('link_id', 'link_id must be a link id of the email (letters, digits, _ . : -)'));
    if (!graph.tiles.some((t) => t.type === 'email'))
      issues.push(at('event', 'a clicked_link goal needs an email tile in the journey'));
  }
  if (goal.event === 'form_submitted') {
    if (typeof goal.form_id !== 'string' || !UUID.test(goal.form_id))
      issues.push(at('form_id', 'a form_submitted goal names its form (a uuid)'));
    else if (ctx.goalFormStatus === undefined)
      issues.push(at('form_id', `form ${goal.form_id} does not exist in this workspace`));
  }
  if (goal.event === 'event' && !(GOAL_EVENT_TYPES as readonly unknown[]).includes(goal.event_type))
    issues.push(at('event_type', `event_type must be one of ${GOAL_EVENT_TYPES.join(', ')}`));
  return issues;
}

/**
 * The error check of `settings.goal` (docs/scheduler.md#goal); the route schema checks the same shape when the
 * journey is saved, this also what it cannot: the email tile, the form, and a stored value the schema never saw.
 */
export function goalIssues(
  goal: JourneyGoal | null | undefined,
  graph: JourneyGraph,
  ctx: GoalCheckContext,
): JourneyIssue[] {
  if (goal == null) return [];
  if (!(GOAL_EVENTS as readonly unknown[]).includes(goal.event))
    return [{ field: 'settings.goal.event', message: `event must be one of ${GOAL_EVENTS.join(', ')}` }];
  const issues = targetIssues(goal, graph, ctx);
  if (!(typeof goal.target_share === 'number' && goal.target_share > 0 && goal.target_share <= 1))
    issues.push({ field: 'settings.goal.target_share', message: 'target_share must be above 0 and at most 1' });
  if (typeof goal.exit !== 'boolean')
    issues.push({ field: 'settings.goal.exit', message: 'exit must be true or false' });
  return issues;
}
