import { abVerdict, bestObserved, erfc, pooledZ, twoSidedP } from './ab-stats';
import { abConfigOf, abTestIssues, abTestShapeIssues, abVariantOf } from './ab-test';
import type { JourneyGraph, Tile } from './journey-graph';

const JOURNEY = '11111111-1111-4111-8111-111111111111';
const E1 = 'aaaaaaaa-0000-4000-8000-000000000001';
const E2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const E3 = 'aaaaaaaa-0000-4000-8000-000000000003';
const contact = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const live = new Map([
  [E1, 'live'],
  [E2, 'live'],
  [E3, 'draft'],
]);

const tile = (config: Record<string, unknown>, next: string[] = []): Tile => ({
  id: 'ab',
  type: 'ab_test',
  next,
  config,
});
const good = {
  variants: [
    { email_id: E1, label: 'A' },
    { email_id: E2, label: 'B' },
  ],
  test_share: 0.2,
  metric: 'unique_opens',
  duration_hours: 24,
};
const issuesOf = (config: Record<string, unknown>, next: string[] = []) =>
  abTestIssues({ tiles: [tile(config, next)] } satisfies JourneyGraph, { goal: null }, live).map((i) => i.field);

describe('A/B test statistics (docs/scheduler.md#ab-test)', () => {
  it('computes erfc and two-sided p-values to known values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700793, 7);
    expect(twoSidedP(1.959963984540054)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(2.5758293035489)).toBeCloseTo(0.01, 6);
    expect(twoSidedP(0)).toBeCloseTo(1, 6);
  });

  it('computes the pooled z of two proportions by hand', () => {
    // 50/100 against 30/100: pooled 0.4, se = sqrt(0.4·0.6·(1/100 + 1/100)) = sqrt(0.0048)
    const z = pooledZ({ sent: 100, successes: 50 }, { sent: 100, successes: 30 });
    expect(z).toBeCloseTo(0.2 / Math.sqrt(0.0048), 10);
    expect(twoSidedP(z as number)).toBeCloseTo(0.003892, 5);
    expect(pooledZ({ sent: 0, successes: 0 }, { sent: 10, successes: 1 })).toBeNull();
    expect(pooledZ({ sent: 10, successes: 0 }, { sent: 10, successes: 0 })).toBeNull();
  });

  it('decides for the leader only with the minimum sample and below the corrected alpha', () => {
    const counts = [
      { sent: 100, successes: 30 },
      { sent: 100, successes: 50 },
    ];
    const v = abVerdict(counts, { confidence: 0.95, minSample: 100 });
    expect(v).toMatchObject({ leader: 1, sampled: true, significant: true });
    expect(v.confidence).toBeCloseTo(1 - 0.003892, 5);
    expect(abVerdict(counts, { confidence: 0.95, minSample: 101 })).toMatchObject({
      sampled: false,
      significant: false,
    });
    expect(abVerdict(counts, { confidence: 0.999, minSample: 100 }).significant).toBe(false);
  });

  it('corrects for two comparisons with three variants (Bonferroni)', () => {
    // leader 50/100 against 30/100 (p ≈ 0.0039) and 36/100 (p ≈ 0.046): 0.046 < 0.05 yet ≥ 0.025
    const three = [
      { sent: 100, successes: 30 },
      { sent: 100, successes: 50 },
      { sent: 100, successes: 36 },
    ];
    const v = abVerdict(three, { confidence: 0.95, minSample: 10 });
    expect(v.leader).toBe(1);
    expect(v.comparisons.map((c) => c.variant)).toEqual([0, 2]);
    expect(v.comparisons[1]!.p_value).toBeGreaterThan(0.025);
    expect(v.comparisons[1]!.p_value).toBeLessThan(0.05);
    expect(v.significant).toBe(false);
    expect(abVerdict(three.slice(0, 2), { confidence: 0.95, minSample: 10 }).significant).toBe(true);
  });

  it('picks the best observed rate, the first of equals, the first variant without sends', () => {
    expect(
      bestObserved([
        { sent: 10, successes: 1 },
        { sent: 5, successes: 1 },
      ]),
    ).toBe(1);
    expect(
      bestObserved([
        { sent: 10, successes: 2 },
        { sent: 5, successes: 1 },
      ]),
    ).toBe(0);
    expect(
      bestObserved([
        { sent: 0, successes: 0 },
        { sent: 0, successes: 0 },
      ]),
    ).toBe(0);
  });
});

describe('A/B test tile config and split', () => {
  it('splits the test share evenly among the variants, stable per (journey, tile, contact)', () => {
    const config = abConfigOf(tile({ ...good, test_share: 0.3 }));
    const n = 20_000;
    const groups = [0, 0];
    let waiting = 0;
    for (let i = 0; i < n; i++) {
      const v = abVariantOf(config, JOURNEY, 'ab', contact(i));
      if (v === null) waiting++;
      else groups[v]!++;
    }
    const sd = (p: number) => 4 * Math.sqrt(n * p * (1 - p));
    expect(Math.abs(waiting - n * 0.7)).toBeLessThan(sd(0.7));
    for (const g of groups) expect(Math.abs(g - n * 0.15)).toBeLessThan(sd(0.15));
    expect(abVariantOf(config, JOURNEY.toUpperCase(), 'ab', contact(7).toUpperCase())).toBe(
      abVariantOf(config, JOURNEY, 'ab', contact(7)),
    );
  });

  it('applies the defaults', () => {
    expect(abConfigOf(tile(good))).toMatchObject({
      min_sample: 100,
      settle_minutes: 60,
      confidence: 0.95,
      fallback: 'best_observed',
    });
  });

  it('accepts a good config and names each bad field', () => {
    expect(issuesOf(good)).toEqual([]);
    expect(issuesOf({ ...good, test_share: 0.95 })).toEqual(['graph.tiles.ab.config.test_share']);
    expect(issuesOf({ ...good, metric: 'opens' })).toEqual(['graph.tiles.ab.config.metric']);
    expect(issuesOf({ ...good, metric: 'goal' })).toEqual(['graph.tiles.ab.config.metric']);
    expect(issuesOf({ ...good, duration_hours: 0 })).toEqual(['graph.tiles.ab.config.duration_hours']);
    expect(issuesOf({ ...good, settle_minutes: 0 })).toEqual([]);
    expect(issuesOf({ ...good, settle_minutes: 1441 })).toEqual(['graph.tiles.ab.config.settle_minutes']);
    expect(issuesOf({ ...good, min_sample: 2.5, confidence: 2, fallback: 'coin' })).toEqual([
      'graph.tiles.ab.config.min_sample',
      'graph.tiles.ab.config.confidence',
      'graph.tiles.ab.config.fallback',
    ]);
    expect(issuesOf({ ...good, variants: [good.variants[0]] })).toEqual(['graph.tiles.ab.config.variants']);
    expect(issuesOf({ ...good, variants: [good.variants[0], { email_id: E3, label: 'C' }] })).toEqual([
      'graph.tiles.ab.config.variants[1].email_id',
    ]);
    expect(issuesOf({ ...good, variants: [good.variants[0], good.variants[0]] })).toEqual([
      'graph.tiles.ab.config.variants[1].email_id',
    ]);
    expect(issuesOf(good, ['x', 'y'])).toEqual(['graph.tiles.ab.next']);
  });

  it('checks only the shape when the journey is saved: emails not live yet and the goal metric pass', () => {
    const draftVariants = { ...good, metric: 'goal', variants: [good.variants[0], { email_id: E3, label: 'C' }] };
    expect(abTestShapeIssues({ tiles: [tile(draftVariants)] })).toEqual([]);
    expect(abTestShapeIssues({ tiles: [tile({ ...good, test_share: 0 })] }).map((i) => i.field)).toEqual([
      'graph.tiles.ab.config.test_share',
    ]);
    expect(abTestShapeIssues({ tiles: 'nope' })).toEqual([]);
    expect(abTestShapeIssues(null)).toEqual([]);
  });
});
