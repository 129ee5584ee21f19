import { hash } from 'node:crypto';
import type { JourneyHoldout, JourneyIssue, JourneySettings } from './journey-graph';

// A journey's holdout (docs/scheduler.md#holdout): which contacts are held out, and the lift of the goal between
// the treated and the held-out contacts (docs/kpis.md#journey-holdout).

export const MAX_HOLDOUT_SHARE = 0.5;

/**
 * A contact's place in [0, 1) for a journey: the first 8 bytes of sha256("holdout:" journey ":" contact) as a
 * fraction. Keyed by the journey (and by "holdout:", so it is independent of the splitter's hash), it is the same
 * in every iteration, after any restart and on every replica.
 */
export function holdoutFraction(journeyId: string, contactId: string): number {
  const digest = hash('sha256', `holdout:${journeyId.toLowerCase()}:${contactId.toLowerCase()}`, 'buffer');
  return Number(digest.readBigUInt64BE(0)) / 2 ** 64;
}

/** Whether the contact is in the journey's holdout (never when the journey has none). */
export function isHeldOut(holdout: JourneyHoldout | null | undefined, journeyId: string, contactId: string): boolean {
  return holdout != null && holdoutFraction(journeyId, contactId) < holdout.share;
}

export interface GroupCounts {
  entered: number;
  reached: number;
}

export type Lift = {
  /** treated rate − held-out rate; null when a group is empty */
  absolute: number | null;
  /** the 95 % confidence interval of `absolute` (normal approximation); null when a group is empty */
  ci_low: number | null;
  ci_high: number | null;
  /** absolute / held-out rate; null when a group is empty or the held-out rate is 0 */
  relative: number | null;
};

const Z_95 = 1.959963984540054;

/**
 * The goal's lift between treated and held-out contacts: the difference of two proportions with its 95 %
 * confidence interval by the normal (Wald) approximation, d ± z·sqrt(p1(1−p1)/n1 + p0(1−p0)/n0).
 */
export function goalLift(treated: GroupCounts, heldOut: GroupCounts): Lift {
  if (treated.entered === 0 || heldOut.entered === 0)
    return { absolute: null, ci_low: null, ci_high: null, relative: null };
  const p1 = treated.reached / treated.entered;
  const p0 = heldOut.reached / heldOut.entered;
  const d = p1 - p0;
  const se = Math.sqrt((p1 * (1 - p1)) / treated.entered + (p0 * (1 - p0)) / heldOut.entered);
  return { absolute: d, ci_low: d - Z_95 * se, ci_high: d + Z_95 * se, relative: p0 === 0 ? null : d / p0 };
}

/** The tile_blocked reason of a held-out contact at an email tile (docs/kpis.md#journey-holdout). */
export const HOLDOUT_REASON = 'holdout';

/**
 * The holdout's go-live check (docs/scheduler.md#holdout): a share in (0, 0.5], and a goal to measure its lift by
 * (the schema refuses a malformed share first; this catches settings stored otherwise).
 */
export function holdoutIssues(settings: Pick<JourneySettings, 'holdout' | 'goal'>): JourneyIssue[] {
  const holdout = settings.holdout;
  if (holdout == null) return [];
  const issues: JourneyIssue[] = [];
  const share = holdout.share;
  if (typeof share !== 'number' || !(share > 0 && share <= MAX_HOLDOUT_SHARE))
    issues.push({
      field: 'settings.holdout.share',
      message: `the holdout share must be above 0 and at most ${MAX_HOLDOUT_SHARE}`,
    });
  if (settings.goal == null)
    issues.push({
      field: 'settings.holdout',
      message: "a holdout measures the goal's lift: set settings.goal, or remove the holdout",
    });
  return issues;
}
