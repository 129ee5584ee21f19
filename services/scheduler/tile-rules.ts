import { hash } from 'node:crypto';
import { derivedId } from '../../lib/contracts/events/derived-id';
import { DateTime } from 'luxon';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { feedbackEffect } from '../../lib/domain/bounces/feedback-types';
import {
  LEAD_SCORE_CONDITION,
  WEB_TRIGGER_CONDITIONS,
  type TriggerCondition,
} from '../../lib/domain/journeys/journey-graph';

/** Pure tile logic: no I/O, so each rule is unit-tested on its own (tile-rules.test.ts). */

const BUCKETS = 10_000;

/**
 * The splitter path index for a contact: a hash of (journey, contact), so the same contact takes the same path
 * after any restart or replay, and paths fill in proportion to the percentages.
 */
export function splitterPathIndex(journeyId: string, contactId: string, percentages: readonly number[]): number {
  const bucket = hash('sha256', `${journeyId}:${contactId}`, 'buffer').readUInt32BE(0) % BUCKETS;
  let upper = 0;
  for (let i = 0; i < percentages.length; i++) {
    upper += ((percentages[i] ?? 0) * BUCKETS) / 100;
    if (bucket < upper) return i;
  }
  return percentages.length - 1;
}

/** A date-time from the graph: with an offset it means that instant, without one it is wall time in `zone`. */
function instantIn(value: string, zone: string): number {
  return DateTime.fromISO(value, { zone }).toMillis();
}

/** Calendar durations in the journey's zone: "1 day" across a DST change is 23 or 25 hours, as a person means it. */
function afterDuration(
  now: number,
  zone: string,
  amounts: { days?: unknown; hours?: unknown; minutes?: unknown },
): number | null {
  const num = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);
  const duration = { days: num(amounts.days), hours: num(amounts.hours), minutes: num(amounts.minutes) };
  if (duration.days + duration.hours + duration.minutes === 0) return null;
  return DateTime.fromMillis(now, { zone }).plus(duration).toMillis();
}

/** The first instant ≥ now inside a weekday-and-hour window in `zone` (weekdays 1 = Monday … 7 = Sunday). */
export function nextWindow(now: number, zone: string, weekdays: readonly number[], hour: number): number {
  const local = DateTime.fromMillis(now, { zone });
  for (let day = 0; day <= 7; day++) {
    const start = local.startOf('day').plus({ days: day }).set({ hour });
    if (!weekdays.includes(start.weekday)) continue;
    const end = start.plus({ hours: 1 });
    if (end.toMillis() <= now) continue;
    return Math.max(start.toMillis(), now);
  }
  throw new RangeError(`no window on weekdays ${weekdays.join(',')}`);
}

/** When a contact leaves a wait (scheduler) tile. contactZone falls back to the journey's zone. */
export function waitUntil(
  config: Record<string, unknown>,
  now: number,
  journeyZone: string,
  contactZone: string | null,
): number {
  if (typeof config.until === 'string') return Math.max(now, instantIn(config.until, journeyZone));
  if (Array.isArray(config.weekdays) && typeof config.hour === 'number')
    return nextWindow(now, validZone(contactZone) ?? journeyZone, config.weekdays as number[], config.hour);
  return (
    afterDuration(now, journeyZone, {
      days: config.wait_days,
      hours: config.wait_hours,
      minutes: config.wait_minutes,
    }) ?? now
  );
}

/** When a trigger stops waiting for its condition. */
export function triggerTimeoutAt(config: Record<string, unknown>, now: number, journeyZone: string): number {
  if (typeof config.timeout_at === 'string') return Math.max(now, instantIn(config.timeout_at, journeyZone));
  return (
    afterDuration(now, journeyZone, {
      days: config.timeout_days,
      hours: config.timeout_hours,
      minutes: config.timeout_minutes,
    }) ?? now
  );
}

export function validZone(zone: string | null): string | null {
  return zone && DateTime.local().setZone(zone).isValid ? zone : null;
}

export type EngagementKind =
  | 'delivered'
  | 'opened'
  | 'clicked'
  | 'attachment_viewed'
  | 'forwarded'
  | 'bounced'
  | 'hard_bounced'
  | 'soft_bounced'
  | 'complained'
  | 'unsubscribed'
  /** web conditions: recorded per trigger in journey_web_engagements (web-activity.ts), never from an email event */
  | 'form_submitted'
  | 'page_visited'
  /** met when the contact's lead score reaches the trigger's N (lead-score-trigger.ts), recorded like a web condition */
  | 'lead_score';

export interface Engagement {
  kind: EngagementKind;
  linkId: string;
}

/** Engagement kinds that say the message bounced, whatever its class (older rows have only hard_bounced). */
export const BOUNCED_KINDS: ReadonlySet<string> = new Set<EngagementKind>(['bounced', 'hard_bounced']);

/**
 * What an email event means for triggers, in the terms of the KPIs (docs/kpis.md), so a trigger and the KPI
 * of the same name count the same things: a click on a followed attachment is an attachment view, never a click;
 * every bounce is `bounced` (Delivered = Sent − TotalBounced) and also its class (`hard_bounced`, `soft_bounced`;
 * Bounced (other) has no condition of its own); a complaint is `complained` only when Feedback loops counts it
 * (ARF `abuse` and `fraud`, lib/domain/bounces/feedback-types.ts, the sender's record of an attempt to a
 * complaint-suppressed address included); an unsubscribe by
 * any method is `unsubscribed`. Machine opens and clicks (scanners, privacy proxies) mean nothing.
 */
export function engagementsOf(event: CairnEvent): Engagement[] {
  if (event.data.machine) return [];
  const one = (kind: EngagementKind, linkId = ''): Engagement[] => [{ kind, linkId }];
  switch (event.type) {
    case 'send':
      return one('delivered');
    case 'open':
      return one('opened');
    case 'click':
      return one(event.data.link_kind === 'attachment' ? 'attachment_viewed' : 'clicked', event.data.link_id);
    case 'forward':
      return one('forwarded');
    case 'bounce': {
      const byClass = { hard: one('hard_bounced'), soft: one('soft_bounced'), other: [] }[event.data.bounce_class];
      return [...one('bounced'), ...byClass];
    }
    case 'complaint':
      return feedbackEffect(event.data.feedback_type).counted ? one('complained') : [];
    case 'unsubscribe':
      return one('unsubscribed');
    default:
      return [];
  }
}

export interface ParsedCondition {
  kind: EngagementKind;
  /** clicked_link: the link; '' = any */
  linkId: string;
  /** not_*: decided at the timeout */
  negated: boolean;
  /** delivered and its negation wait for the timeout too: a bounce may still follow the send */
  decidedAtTimeout: boolean;
  /**
   * form_submitted, page_visited: what the contact does on the web, not with an email tile's message; lead_score
   * too: recorded at the trigger when the score reaches N (journey_web_engagements), no email tile
   */
  web: boolean;
}

export function parseCondition(condition: TriggerCondition, linkId?: unknown): ParsedCondition {
  const negated = condition.startsWith('not_');
  const base = negated ? condition.slice(4) : condition;
  const kind = (base === 'clicked_link' ? 'clicked' : base) as EngagementKind;
  return {
    kind,
    linkId: base === 'clicked_link' && typeof linkId === 'string' ? linkId : '',
    negated,
    decidedAtTimeout: negated || kind === 'delivered',
    web: (WEB_TRIGGER_CONDITIONS as readonly string[]).includes(kind) || kind === LEAD_SCORE_CONDITION,
  };
}

/** Whether an engagement satisfies a condition's event part (the negation is applied by the caller). */
export function matches(condition: ParsedCondition, engagement: Engagement): boolean {
  return condition.kind === engagement.kind && (condition.linkId === '' || condition.linkId === engagement.linkId);
}

/** Tile events and side effects are named by this key everywhere (send requests, tasks, leads, webhooks). */
export function onceKey(parts: { journeyId: string; tileId: string; iteration: number; subjectId: string }): string {
  return `${parts.journeyId}:${parts.tileId}:${parts.iteration}:${parts.subjectId}`;
}

/** A deterministic event id (UUID-shaped) for one tile event of one key: a replayed event has the same id. */
export function tileEventId(type: string, key: string): string {
  return derivedId('v5', `${type}|${key}`);
}
