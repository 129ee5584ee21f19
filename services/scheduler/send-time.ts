import { chooseSendTime, rankedHours, sendTimeOf, type SendTimeSetting } from '../../lib/domain/engagement/send-time';
import { journeyQuietWindow, quietUntil, spreadOffset, type WorkspaceSending } from './quiet-hours';
import type { SendTimeHistory } from './send-time-reader';
import { rest, type Claimed, type StepContext } from './tile-moves';
import { validZone } from './tile-rules';

// Send-time optimisation at an email tile (docs/scheduler.md#send-time-optimisation).

/** Sends due at a contact's best hour spread over its first minutes, as quiet hours spread their release. */
const SPREAD_MINUTES = 10;

type Source = 'contact' | 'fallback_hour' | 'workspace';

/** The hours to try for one contact, best first, and whose history they come from. */
function hoursFor(
  history: SendTimeHistory,
  setting: SendTimeSetting,
  c: Claimed,
  zone: string,
  workspaceBest: number[],
): { hours: number[]; source: Source } {
  const own = rankedHours(history.contacts.get(c.contactId) ?? [], zone);
  if (own.length > 0) return { hours: own, source: 'contact' };
  if (setting.fallbackHour !== null) return { hours: [setting.fallbackHour], source: 'fallback_hour' };
  return { hours: workspaceBest, source: 'workspace' };
}

/**
 * The contacts this email tile holds until their send time: each waits (Processing in the tile KPIs) with its due
 * time, and a `send_time_delayed` event says by how much. The rest (no setting, released from a hold, an hour that
 * is now, none within the maximum delay outside quiet hours, or no answer from ClickHouse) go on to quiet hours and
 * sending at once.
 */
export async function sendTimeHolds(
  ctx: StepContext,
  workspace: WorkspaceSending,
  contacts: readonly Claimed[],
): Promise<Set<string>> {
  const setting = sendTimeOf(ctx.tile.config);
  const fresh = setting ? contacts.filter((c) => !c.released) : [];
  if (!setting || fresh.length === 0) return new Set();
  const ids = new Set(fresh.map((c) => c.contactId));
  if (!ctx.sendTimes) {
    // entry (and the goal's consumer) has no history reader: the contacts rest at the tile for the step the tick
    // enqueues for it (tile-step.ts), which decides
    for (const c of fresh) {
      const { iteration, contactId, accountId } = c;
      ctx.effects.move({ iteration, contactId, accountId, tileId: ctx.tile.id, state: 'at', dueAt: null });
    }
    return ids;
  }
  const history = await ctx.sendTimes(ctx.journey.row.workspace_id, [...ids], ctx.now);
  if (!history) return new Set();
  const workspaceZone = validZone(workspace.time_zone) ?? 'UTC';
  const workspaceBest = rankedHours(history.workspace, workspaceZone).slice(0, 1);
  const window = journeyQuietWindow(ctx, workspace);
  const held = new Set<string>();
  for (const c of fresh) {
    const zone = validZone(c.timeZone) ?? workspaceZone;
    const { hours, source } = hoursFor(history, setting, c, zone, workspaceBest);
    const choice = chooseSendTime(ctx.now, zone, hours, {
      maxDelayMs: setting.maxDelayMs,
      offsetMs: spreadOffset(c.contactId, SPREAD_MINUTES),
      quiet: (at) => window !== null && quietUntil(at, zone, window) !== null,
    });
    if (!choice || choice.sendAt <= ctx.now) continue;
    rest(ctx, c, 'waiting', choice.sendAt);
    const minutes = Math.round((choice.sendAt - ctx.now) / 60_000);
    ctx.effects.event('send_time_delayed', ctx.tile, c.iteration, c.contactId, `${minutes}|${source}`);
    held.add(c.contactId);
  }
  return held;
}
