// The statistics of an A/B test tile (docs/scheduler.md#ab-test): a pooled two-proportion z-test of the leading
// variant against each other one, two-sided, Bonferroni-corrected when there are three variants. It imports
// nothing, so the insights pages (services/api/ui) read the answer's types from here.

/** One variant's test counts: contacts sent the variant during the test, and how many of them met the metric. */
export interface VariantCounts {
  sent: number;
  successes: number;
}

export interface Comparison {
  /** the variant compared with the leader */
  variant: number;
  /** (leader rate − variant rate) / pooled standard error; null when either side has no sends or nothing varies */
  z: number | null;
  /** two-sided p-value of z; 1 when z is null */
  p_value: number;
}

export interface AbVerdict {
  /** the variant with the highest rate (the first of equals); null before any send */
  leader: number | null;
  comparisons: Comparison[];
  /** every variant has at least the minimum sample */
  sampled: boolean;
  /** 1 − the largest Bonferroni-adjusted p-value of the leader's comparisons, at least 0 */
  confidence: number;
  /** sampled, and every comparison's p-value is below (1 − the configured confidence) / comparisons */
  significant: boolean;
}

/**
 * erfc(x) by the Chebyshev fit of Numerical Recipes' erfcc (fractional error below 1.2e-7 everywhere), which is
 * far finer than any decision here needs and keeps the tile free of a statistics dependency.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const coefficients = [
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
    0.17087277,
  ];
  let poly = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) poly = (coefficients[i] as number) + t * poly;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** The two-sided p-value of a standard normal statistic. */
export const twoSidedP = (z: number): number => Math.min(1, erfc(Math.abs(z) / Math.SQRT2));

const rate = (c: VariantCounts): number => (c.sent > 0 ? c.successes / c.sent : 0);

/** The pooled two-proportion z statistic of a against b, or null when it is undefined. */
export function pooledZ(a: VariantCounts, b: VariantCounts): number | null {
  if (a.sent === 0 || b.sent === 0) return null;
  const pooled = (a.successes + b.successes) / (a.sent + b.sent);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.sent + 1 / b.sent));
  return se > 0 ? (rate(a) - rate(b)) / se : null;
}

/** The leader against every other variant at the configured confidence (e.g. 0.95), each with at least minSample sent. */
export function abVerdict(counts: VariantCounts[], options: { confidence: number; minSample: number }): AbVerdict {
  const anySent = counts.some((c) => c.sent > 0);
  let leader: number | null = null;
  counts.forEach((c, i) => {
    if (anySent && (leader === null || rate(c) > rate(counts[leader] as VariantCounts))) leader = i;
  });
  const sampled = counts.every((c) => c.sent >= options.minSample);
  if (leader === null) return { leader, comparisons: [], sampled, confidence: 0, significant: false };
  const best = counts[leader] as VariantCounts;
  const comparisons = counts.flatMap((c, variant): Comparison[] => {
    if (variant === leader) return [];
    const z = pooledZ(best, c);
    return [{ variant, z, p_value: z === null ? 1 : twoSidedP(z) }];
  });
  const m = comparisons.length;
  const worst = Math.max(0, ...comparisons.map((c) => c.p_value));
  const alpha = (1 - options.confidence) / Math.max(1, m);
  return {
    leader,
    comparisons,
    sampled,
    confidence: Math.max(0, 1 - worst * m),
    significant: sampled && m > 0 && comparisons.every((c) => c.z !== null && c.z > 0 && c.p_value < alpha),
  };
}

/** The variant with the highest observed rate (the first of equals; the first variant when nothing was sent). */
export const bestObserved = (counts: VariantCounts[]): number =>
  abVerdict(counts, { confidence: 1, minSample: 0 }).leader ?? 0;
