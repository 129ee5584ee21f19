import { behaviourConditions, FilterCompiler, SegmentFilterError } from './segment-filter';

describe('segment filter language', () => {
  it('compiles to a parameterised predicate; values never reach the SQL text', () => {
    const compiler = new FilterCompiler(['ws']);
    const where = compiler.compile({
      all: [
        { field: 'attributes.city', op: 'eq', value: "Oslo'; DROP TABLE contacts; --" },
        {
          any: [
            { field: 'consent_level', op: 'gte', value: 3 },
            { not: { field: 'email', op: 'contains', value: '100%_' } },
          ],
        },
        { field: 'time_zone', op: 'in', value: ['Europe/Oslo', 'UTC'] },
        { field: 'attributes.score', op: 'gt', value: 10 },
        { field: 'account_id', op: 'exists' },
      ],
    });
    expect(where).not.toMatch(/Oslo|DROP|100/);
    expect(compiler.params).toEqual([
      'ws',
      'city',
      "Oslo'; DROP TABLE contacts; --",
      3,
      '%100\\%\\_%',
      ['Europe/Oslo', 'UTC'],
      'score',
      10,
    ]);
    expect(where).toContain('c.account_id IS NOT NULL');
  });

  it.each([
    [{ field: 'password', op: 'eq', value: 1 }, 'definition.field'],
    [{ field: 'email', op: 'like', value: 'x' }, 'definition.op'],
    [{ all: [] }, 'definition.all'],
    [{ all: [{ field: 'email', op: 'eq', value: { x: 1 } }] }, 'definition.all[0].value'],
    [{ behaviour: 'opened', email_id: 'x', within_days: 3 }, 'definition.email_id'],
    [{ field: 'attributes.a;b', op: 'eq', value: 1 }, 'definition.field'],
    ['nope', 'definition'],
  ])('rejects %j naming %s', (filter, field) => {
    try {
      new FilterCompiler([]).compile(filter);
      throw new Error('compiled');
    } catch (error) {
      expect(error).toBeInstanceOf(SegmentFilterError);
      expect((error as SegmentFilterError).field).toBe(field);
    }
  });

  it('binds resolved behaviour answers as a uuid array and negates not_* conditions', () => {
    const filter = {
      any: [{ behaviour: 'not_opened', email_id: '7d1c2f4e-0000-4000-8000-000000000001', within_days: 7 }],
    };
    const [condition] = behaviourConditions(filter);
    expect(condition).toMatchObject({ behaviour: 'not_opened', within_days: 7 });
    const compiler = new FilterCompiler([], new Map([['not_opened:7d1c2f4e-0000-4000-8000-000000000001:7', ['a']]]));
    expect(compiler.compile(filter)).toBe('(NOT (c.id = ANY($1::uuid[])))');
  });
});
