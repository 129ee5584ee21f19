import {
  addPoints,
  attributeMatches,
  checkScoringDefinition,
  decayFactor,
  ruleMatches,
  scoreAt,
  type AnchoredScore,
} from './scoring-model';

const DAY = 86_400_000;
const FORM = '6f1c1d2e-0000-4000-8000-000000000001';

describe('scoring model definition check', () => {
  const valid = {
    rules: [
      { on: 'open', points: 5, max_per_contact: 3 },
      { on: 'click', points: 10, link_id: 'offer' },
      { on: 'form_submitted', points: 20, form_id: FORM },
      { attribute: 'industry', in: ['retail', 'travel'], points: 15 },
    ],
    half_life_days: 30,
    threshold: 50,
  };

  it('passes a valid definition, as a draft and for go-live', () => {
    expect(checkScoringDefinition(valid, false)).toEqual([]);
    expect(checkScoringDefinition(valid, true)).toEqual([]);
  });

  it('names the field of each problem', () => {
    const fields = (definition: unknown, live = false) =>
      checkScoringDefinition(definition, live).map((issue) => issue.field);
    expect(fields({ ...valid, rules: [valid.rules[0], { on: 'open', points: 0 }] })).toEqual([
      'definition.rules[1].points',
    ]);
    expect(fields({ ...valid, rules: [{ on: 'bounce', points: 1 }] })).toEqual(['definition.rules[0].on']);
    expect(fields({ ...valid, rules: [{ on: 'open', points: 1, link_id: 'x' }] })).toEqual([
      'definition.rules[0].link_id',
    ]);
    expect(fields({ ...valid, rules: [{ on: 'form_submitted', points: 1, form_id: 'nope' }] })).toEqual([
      'definition.rules[0].form_id',
    ]);
    expect(fields({ ...valid, rules: [{ on: 'open', points: 1, max_per_contact: 0 }] })).toEqual([
      'definition.rules[0].max_per_contact',
    ]);
    expect(fields({ ...valid, rules: [{ attribute: 'x', points: 2 }] })).toEqual(['definition.rules[0].equals']);
    expect(fields({ ...valid, rules: [{ attribute: 'x', equals: 'a', points: 2, extra: 1 }] })).toEqual([
      'definition.rules[0].extra',
    ]);
    expect(fields({ ...valid, half_life_days: 0 })).toEqual(['definition.half_life_days']);
    expect(fields({ ...valid, threshold: -1 })).toEqual(['definition.threshold']);
    expect(fields({ ...valid, rules: [] }, true)).toEqual(['definition.rules']);
    expect(fields({ ...valid, rules: [] }, false)).toEqual([]);
    expect(fields('x')).toEqual(['definition']);
  });
});

describe('scoring rules', () => {
  it('match an event by kind and each filter, ids case-insensitively', () => {
    expect(ruleMatches({ on: 'click', points: 1, link_id: 'offer' }, { type: 'click', link_id: 'offer' })).toBe(true);
    expect(ruleMatches({ on: 'click', points: 1, link_id: 'offer' }, { type: 'click', link_id: 'other' })).toBe(false);
    expect(ruleMatches({ on: 'click', points: 1 }, { type: 'open' })).toBe(false);
    expect(
      ruleMatches(
        { on: 'form_submitted', points: 1, form_id: FORM },
        { type: 'form_submitted', form_id: FORM.toUpperCase() },
      ),
    ).toBe(true);
  });

  it('match attributes by equality or membership, types kept', () => {
    expect(attributeMatches({ attribute: 'size', equals: 10, points: 1 }, { size: 10 })).toBe(true);
    expect(attributeMatches({ attribute: 'size', equals: 10, points: 1 }, { size: '10' })).toBe(false);
    expect(attributeMatches({ attribute: 'tier', in: ['a', 'b'], points: 1 }, { tier: 'b' })).toBe(true);
    expect(attributeMatches({ attribute: 'tier', in: ['a', 'b'], points: 1 }, {})).toBe(false);
  });
});

describe('decay', () => {
  it('halves a score every half-life and keeps it without one', () => {
    expect(decayFactor(30 * DAY, 30)).toBeCloseTo(0.5, 12);
    expect(scoreAt({ score: 80, anchor: 0 }, 60 * DAY, 30)).toBeCloseTo(20, 9);
    expect(scoreAt({ score: 80, anchor: 0 }, 60 * DAY, null)).toBe(80);
  });

  it('gives the same score whatever order the points arrive in (each decayed from its own time)', () => {
    const points: Array<[number, number]> = [
      [10, 0],
      [5, 3 * DAY],
      [20, 1 * DAY],
      [-4, 10 * DAY],
      [7, 2 * DAY],
    ];
    const at = 12 * DAY;
    const expected = points.reduce((sum, [p, t]) => sum + p * 0.5 ** ((at - t) / (7 * DAY)), 0);
    const fold = (order: Array<[number, number]>) =>
      order.reduce<AnchoredScore>((acc, [p, t]) => addPoints(acc, p, t, 7), { score: 0, anchor: 0 });
    expect(scoreAt(fold(points), at, 7)).toBeCloseTo(expected, 9);
    expect(scoreAt(fold([...points].reverse()), at, 7)).toBeCloseTo(expected, 9);
  });
});
