import { loadConfig, rate } from '../../lib/platform/config';
import { breakerVerdict, DEFAULT_BREAKER } from './journey-breaker';

describe('breakerVerdict', () => {
  test('decides nothing below the minimum of sends, however bad', () => {
    expect(breakerVerdict({ sends: 499, hardBounces: 499, complaints: 499 }, DEFAULT_BREAKER)).toBeNull();
  });

  test('a hard-bounce rate above 5% trips it; exactly 5% does not', () => {
    expect(breakerVerdict({ sends: 1000, hardBounces: 50, complaints: 0 }, DEFAULT_BREAKER)).toBeNull();
    expect(breakerVerdict({ sends: 1000, hardBounces: 51, complaints: 0 }, DEFAULT_BREAKER)).toEqual({
      reason: 'hard-bounce rate 5.10% over 5.00% of 1000 sends in the last 24 h',
      rates: { sends: 1000, hard_bounces: 51, complaints: 0, hard_bounce_rate: 0.051, complaint_rate: 0 },
    });
  });

  test('a complaint rate above 0.3% trips it', () => {
    expect(breakerVerdict({ sends: 1000, hardBounces: 0, complaints: 3 }, DEFAULT_BREAKER)).toBeNull();
    expect(breakerVerdict({ sends: 1000, hardBounces: 0, complaints: 4 }, DEFAULT_BREAKER)?.reason).toBe(
      'complaint rate 0.40% over 0.30% of 1000 sends in the last 24 h',
    );
  });

  test('a minimum of 0 still needs one send', () => {
    expect(breakerVerdict({ sends: 0, hardBounces: 1, complaints: 1 }, { ...DEFAULT_BREAKER, minSends: 0 })).toBeNull();
  });
});

describe('rate settings', () => {
  const schema = { r: rate('CAIRN_X_RATE', 'a rate', { default: 0.05 }) };
  test('a fraction from 0 to 1', () => {
    expect(loadConfig(schema, {}).r).toBe(0.05);
    expect(loadConfig(schema, { CAIRN_X_RATE: '0.003' }).r).toBe(0.003);
    for (const bad of ['x', '1.5', '-0.1', 'Infinity'])
      expect(() => loadConfig(schema, { CAIRN_X_RATE: bad })).toThrow();
  });
});
