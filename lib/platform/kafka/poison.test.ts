import { ClickHouseError } from '@clickhouse/client';
import { DatabaseError } from 'pg';
import { CairnError } from '../errors';
import { createLogger } from '../logger';
import { failureKind, isolatePoison } from './poison';

const log = createLogger({ service: 'test', level: 'silent' });

function pgError(code: string): DatabaseError {
  const error = new DatabaseError('refused', 0, 'error');
  error.code = code;
  return error;
}

describe('failure kinds', () => {
  it('calls a value PostgreSQL or ClickHouse refuses a data error, and everything else an outage', () => {
    expect(failureKind(pgError('22021'))).toBe('data'); // invalid byte sequence (a NUL)
    expect(failureKind(pgError('22003'))).toBe('data'); // numeric value out of range
    expect(failureKind(pgError('23505'))).toBe('data'); // unique violation
    expect(failureKind(pgError('40001'))).toBe('outage'); // serialization failure
    expect(failureKind(pgError('57P01'))).toBe('outage'); // admin shutdown
    expect(failureKind(pgError('53300'))).toBe('outage'); // too many connections
    // 18.16's text, which @clickhouse/client does not parse
    expect(
      failureKind(new Error('Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \\t before: -1')),
    ).toBe('data');
    expect(
      failureKind(new Error('Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded')),
    ).toBe('outage');
    expect(
      failureKind(new ClickHouseError({ message: 'Cannot parse DateTime', code: '41', type: 'CANNOT_PARSE_DATETIME' })),
    ).toBe('data');
    expect(failureKind(new ClickHouseError({ message: 'Too many parts', code: '252', type: 'TOO_MANY_PARTS' }))).toBe(
      'outage',
    );
    expect(failureKind(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }))).toBe(
      'outage',
    );
    expect(
      failureKind(new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })),
    ).toBe('outage');
    expect(failureKind(new Error('Timeout error.'))).toBe('outage');
    expect(failureKind(new CairnError('CLICKHOUSE_UNAVAILABLE'))).toBe('outage');
    expect(failureKind(new CairnError('EVENT_INVALID'))).toBe('data');
    expect(failureKind(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe('data');
    expect(failureKind('a string')).toBe('outage');
  });
});

describe('isolating poison', () => {
  const dataError = (): Error => new CairnError('EVENT_INVALID', 'poison');

  it('writes every member but the poison ones, in order, and dead-letters each after the attempts', async () => {
    const written: number[] = [];
    const tries = new Map<number, number>();
    const poisoned: number[] = [];
    await isolatePoison([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {
      attempts: 3,
      log,
      backoffMs: () => 0,
      run: async (members) => {
        for (const m of members) tries.set(m, (tries.get(m) ?? 0) + 1);
        if (members.includes(4) || members.includes(9)) throw dataError();
        written.push(...members);
      },
      poison: async (member) => void poisoned.push(member),
    });
    expect(poisoned).toEqual([4, 9]);
    expect(written).toEqual([1, 2, 3, 5, 6, 7, 8, 10]);
    // alone three times in all (plus the larger runs it was part of on the way down)
    expect(tries.get(4)).toBeGreaterThanOrEqual(3);
  });

  it('throws an outage at once, dead-lettering nothing', async () => {
    const poisoned: number[] = [];
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(
      isolatePoison([1, 2, 3], {
        attempts: 3,
        log,
        backoffMs: () => 0,
        run: async () => Promise.reject(down),
        poison: async (m) => void poisoned.push(m),
      }),
    ).rejects.toBe(down);
    expect(poisoned).toEqual([]);
  });

  it('writes a member that fails with a data error once and then succeeds (not poison)', async () => {
    let failed = false;
    const poisoned: number[] = [];
    const written: number[] = [];
    await isolatePoison([1], {
      attempts: 3,
      log,
      backoffMs: () => 0,
      run: async (members) => {
        if (!failed) {
          failed = true;
          throw dataError();
        }
        written.push(...members);
      },
      poison: async (m) => void poisoned.push(m),
    });
    expect([written, poisoned]).toEqual([[1], []]);
  });
});
