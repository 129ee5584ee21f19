import { ApiProblem } from '../api-problem';
import { MAX_SEGMENT_DAYS, rangeOf } from './segment-membership';

const TODAY = '2026-12-08';

/** The fields the problem names, or undefined when `run` throws none. */
function problemFields(run: () => unknown): string[] | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiProblem) return error.errors.map((e) => e.field);
    throw error;
  }
  return undefined;
}

describe('segment insights day range', () => {
  it('defaults to the 30 days ending today, or ending at to', () => {
    expect(rangeOf({}, TODAY)).toEqual({ from: '2026-11-09', to: TODAY });
    expect(rangeOf({ to: '2026-03-01' }, TODAY)).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });

  it('runs from a given from to today, or to that day itself when it is after today', () => {
    expect(rangeOf({ from: '2026-12-01' }, TODAY)).toEqual({ from: '2026-12-01', to: TODAY });
    expect(rangeOf({ from: '2026-12-20' }, TODAY)).toEqual({ from: '2026-12-20', to: '2026-12-20' });
  });

  it(`takes up to ${MAX_SEGMENT_DAYS} days and refuses more, or an empty range, naming the field`, () => {
    expect(rangeOf({ from: '2028-01-01', to: '2028-12-31' }, TODAY)).toEqual({ from: '2028-01-01', to: '2028-12-31' });
    expect(problemFields(() => rangeOf({ from: '2027-01-01', to: '2028-01-02' }, TODAY))).toEqual(['querystring.from']);
    expect(problemFields(() => rangeOf({ from: '2026-12-02', to: '2026-12-01' }, TODAY))).toEqual(['querystring.to']);
    expect(problemFields(() => rangeOf({ from: '2020-01-01' }, TODAY))).toEqual(['querystring.from']);
  });
});
