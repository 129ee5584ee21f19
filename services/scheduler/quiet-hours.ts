import { hash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { StepContext } from './tile-moves';
import { validZone } from './tile-rules';

// Quiet hours (docs/scheduler.md#quiet-hours): a daily window of local time in which email tiles send nothing.

const DEFAULT_SPREAD_MINUTES = 10;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A window as minutes of the local day: [start, end), across midnight when start > end. */
export interface QuietWindow {
  start: number;
  end: number;
  spreadMinutes: number;
}

const minuteOfDay = (value: unknown): number | null => {
  const m = typeof value === 'string' ? CLOCK_TIME.exec(value) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
};

/** The window as PostgreSQL holds it (the API validated it); anything else, null included, is no window. */
export function quietWindowOf(value: unknown): QuietWindow | null {
  if (typeof value !== 'object' || value === null) return null;
  const start = minuteOfDay('start' in value ? value.start : null);
  const end = minuteOfDay('end' in value ? value.end : null);
  if (start === null || end === null || start === end) return null;
  const spread = 'spread_minutes' in value ? value.spread_minutes : undefined;
  return {
    start,
    end,
    spreadMinutes:
      typeof spread === 'number' && Number.isInteger(spread) && spread >= 0 ? spread : DEFAULT_SPREAD_MINUTES,
  };
}

/**
 * When the window that holds `now` ends, at the window's end wall time in `zone` (luxon keeps it 08:00 local across
 * a DST change), or null when `now` is outside the window.
 */
export function quietUntil(now: number, zone: string, window: QuietWindow): number | null {
  const local = DateTime.fromMillis(now, { zone });
  if (!local.isValid) return null;
  const minute = local.hour * 60 + local.minute;
  const overnight = window.start > window.end;
  const inside = overnight
    ? minute >= window.start || minute < window.end
    : minute >= window.start && minute < window.end;
  if (!inside) return null;
  const day = overnight && minute >= window.start ? local.startOf('day').plus({ days: 1 }) : local.startOf('day');
  return day.set({ hour: Math.floor(window.end / 60), minute: window.end % 60 }).toMillis();
}

/** A stable offset per contact within the spread (whole seconds), so the opening minute is no spike. */
export function spreadOffset(contactId: string, spreadMinutes: number): number {
  const seconds = spreadMinutes * 60;
  if (seconds <= 0) return 0;
  return (hash('sha256', `quiet:${contactId}`, 'buffer').readUInt32BE(0) % seconds) * 1000;
}

/** When a contact reaching an email tile at `now` is released, or null when it may be sent now. */
export function quietReleaseAt(now: number, zone: string, window: QuietWindow, contactId: string): number | null {
  const until = quietUntil(now, zone, window);
  return until === null ? null : until + spreadOffset(contactId, window.spreadMinutes);
}

/** What an email tile's step reads of its workspace once: its time zone and quiet hours, its frequency cap rules. */
export interface WorkspaceSending {
  time_zone: string | null;
  quiet_hours: unknown;
  frequency_caps: unknown;
}

export async function workspaceSending(ctx: StepContext): Promise<WorkspaceSending> {
  const { rows } = await ctx.client.query<WorkspaceSending>(
    'SELECT time_zone, quiet_hours, frequency_caps FROM workspaces WHERE id = $1',
    [ctx.journey.row.workspace_id],
  );
  return rows[0] ?? { time_zone: null, quiet_hours: null, frequency_caps: null };
}

/** The journey's own window (null: none), else the workspace's. */
export function journeyQuietWindow(ctx: StepContext, workspace: WorkspaceSending): QuietWindow | null {
  const own = ctx.journey.row.settings.quiet_hours;
  return own === null ? null : quietWindowOf(own === undefined ? workspace.quiet_hours : own);
}

/**
 * The contacts (of `contactIds`) that the journey's quiet hours hold at `ctx.now`, each with its release time,
 * in the contact's time zone or the workspace's.
 */
export function quietHolds(
  ctx: StepContext,
  workspace: WorkspaceSending,
  contacts: readonly { contactId: string; timeZone: string | null }[],
): Map<string, number> {
  const held = new Map<string, number>();
  const window = contacts.length === 0 ? null : journeyQuietWindow(ctx, workspace);
  if (!window) return held;
  const workspaceZone = validZone(workspace.time_zone) ?? 'UTC';
  for (const c of contacts) {
    const at = quietReleaseAt(ctx.now, validZone(c.timeZone) ?? workspaceZone, window, c.contactId);
    if (at !== null) held.set(c.contactId, at);
  }
  return held;
}
