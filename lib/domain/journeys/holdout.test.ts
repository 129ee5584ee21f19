import { goalLift } from './goal-lift';
import { holdoutFraction, holdoutIssues, isHeldOut } from './holdout';

const JOURNEY = '11111111-1111-4111-8111-111111111111';
const contact = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('journey holdout (docs/scheduler.md#holdout)', () => {
  it('places a contact by a hash of (journey, contact): the same in every call and case, another on another journey', () => {
    const f = holdoutFraction(JOURNEY, contact(1));
    expect(f).toBeGreaterThanOrEqual(0);
    expect(f).toBeLessThan(1);
    expect(holdoutFraction(JOURNEY.toUpperCase(), contact(1).toUpperCase())).toBe(f);
    expect(holdoutFraction('22222222-2222-4222-8222-222222222222', contact(1))).not.toBe(f);
    expect(isHeldOut(null, JOURNEY, contact(1))).toBe(false);
    expect(isHeldOut({ share: 0.5 }, JOURNEY, contact(1))).toBe(f < 0.5);
  });

  it('holds out about the share of many contacts (within 4 binomial standard deviations)', () => {
    const n = 20_000;
    let held = 0;
    for (let i = 0; i < n; i++) if (isHeldOut({ share: 0.3 }, JOURNEY, contact(i))) held++;
    expect(Math.abs(held - n * 0.3)).toBeLessThan(4 * Math.sqrt(n * 0.3 * 0.7));
  });

  it('computes the lift with its 95 % normal-approximation interval by hand', () => {
    // treated 60/200 = 0.3, held out 10/100 = 0.1: d = 0.2, se = sqrt(0.3·0.7/200 + 0.1·0.9/100) = sqrt(0.00195)
    const lift = goalLift({ entered: 200, reached: 60 }, { entered: 100, reached: 10 });
    const se = Math.sqrt(0.00195);
    expect(lift.absolute).toBeCloseTo(0.2, 12);
    expect(lift.ci_low).toBeCloseTo(0.2 - 1.959963984540054 * se, 12);
    expect(lift.ci_high).toBeCloseTo(0.2 + 1.959963984540054 * se, 12);
    expect(lift.relative).toBeCloseTo(2, 12);
    expect(goalLift({ entered: 5, reached: 1 }, { entered: 0, reached: 0 })).toEqual({
      absolute: null,
      ci_low: null,
      ci_high: null,
      relative: null,
    });
    expect(goalLift({ entered: 10, reached: 1 }, { entered: 10, reached: 0 }).relative).toBeNull();
  });

  it('checks the share and asks for a goal, naming the field', () => {
    const goal = { event: 'lead_generated', target_share: 0.1, exit: false } as const;
    expect(holdoutIssues({ holdout: { share: 0.3 }, goal })).toEqual([]);
    expect(holdoutIssues({ holdout: null, goal: null })).toEqual([]);
    expect(holdoutIssues({ holdout: { share: 0.6 }, goal }).map((i) => i.field)).toEqual(['settings.holdout.share']);
    expect(holdoutIssues({ holdout: { share: 0.2 }, goal: null }).map((i) => i.field)).toEqual(['settings.holdout']);
  });
});
