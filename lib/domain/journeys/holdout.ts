import { hash } from 'node:crypto';
import type { JourneyHoldout, JourneyIssue, JourneySettings } from './journey-graph';

// A journey's holdout (docs/scheduler.md#holdout): which contacts are held out; the lift of the goal between the
// treated and the held-out contacts is goal-lift.ts (docs/kpis.md#journey-holdout).

export const MAX_HOLDOUT_SHARE = 0.5;

/**
 * A contact's place in [0, 1) for a journey: the first 8 bytes of sha256("holdout:" journey ":" contact) as a
 * fraction. Keyed by the journey (and by "holdout:", so it is independent of the splitter's hash), it is the same
 * in every iteration, after any restart and on every replica.
 */
export function holdoutFraction(journeyId: string, contactId: string): number {
  return keyedFraction('holdout', journeyId.toLowerCase(), contactId.toLowerCase());
}

/**
 * The first 8 bytes of sha256(purpose ":" parts joined by ":") as a fraction in [0, 1): a stable, uniform place
 * for a contact, independent between purposes (the holdout here, an A/B test tile's split in ab-test.ts).
 */
export function keyedFraction(purpose: string, ...parts: string[]): number {
  const digest = hash('sha256', [purpose, ...parts].join(':'), 'buffer');
  return Number(digest.readBigUInt64BE(0)) / 2 ** 64;
}

/** Whether the contact is in the journey's holdout (never when the journey has none). */
export function isHeldOut(holdout: JourneyHoldout | null | undefined, journeyId: string, contactId: string): boolean {
  return holdout != null && holdoutFraction(journeyId, contactId) < holdout.share;
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
