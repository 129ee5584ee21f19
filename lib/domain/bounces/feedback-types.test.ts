import { COUNTED_FEEDBACK_TYPES, feedbackEffect, FEEDBACK_TYPES } from './feedback-types';

describe('feedbackEffect (docs/kpis.md#feedback-loops)', () => {
  it.each([
    ['abuse', true, true],
    ['fraud', true, true],
    ['virus', false, false],
    ['other', false, false],
    ['not-spam', false, false],
    ['Abuse', true, true],
    [' FRAUD ', true, true],
    ['x-new-type', false, false],
  ])('%s: counted %s, suppresses %s', (type, counted, suppresses) => {
    expect(feedbackEffect(type)).toEqual({ counted, suppresses });
  });

  it('names the counted types in lower case, each one of RFC 5965', () => {
    expect(COUNTED_FEEDBACK_TYPES).toEqual(['abuse', 'fraud']);
    expect(FEEDBACK_TYPES).toEqual(expect.arrayContaining([...COUNTED_FEEDBACK_TYPES]));
  });
});
