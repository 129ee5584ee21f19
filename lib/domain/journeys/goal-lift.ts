// The lift of a journey's goal between treated and held-out contacts (docs/kpis.md#journey-holdout). It imports
// nothing, so the insights pages (services/api/ui) read the answer's type from here.

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
