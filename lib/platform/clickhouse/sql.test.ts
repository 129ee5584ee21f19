import { ident, join, literal, sql, tuple } from './sql';

describe('sql binding helper', () => {
  it('renders values as literals', () => {
    const q = sql`SELECT * FROM ${ident('events_raw')} WHERE a = ${'x'} AND b = ${42} AND c IN ${['p', 'q']} AND d = ${true}`;
    expect(q.text).toBe("SELECT * FROM `events_raw` WHERE a = 'x' AND b = 42 AND c IN ['p', 'q'] AND d = 1");
  });

  it('escapes quotes, backslashes and control characters', () => {
    expect(literal("O'Brien")).toBe("'O\\'Brien'");
    expect(literal('a\\')).toBe("'a\\\\'");
    expect(literal("\\' OR 1=1 --")).toBe("'\\\\\\' OR 1=1 --'");
    expect(literal('line\nbreak\0nul')).toBe("'line\\nbreak\\0nul'");
  });

  it('formats dates as UTC DateTime literals', () => {
    expect(literal(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("'2026-01-02 03:04:05'");
  });

  it('refuses values it cannot bind safely', () => {
    expect(() => literal(Number.NaN)).toThrow(/non-finite/);
    expect(() => literal(Infinity)).toThrow(/non-finite/);
    expect(() => literal(new Date('nope'))).toThrow(/invalid date/);
    expect(() => literal({} as never)).toThrow(/unsupported/);
    expect(() => ident('events; DROP TABLE x')).toThrow(/identifier/);
    expect(() => ident('a`b')).toThrow(/identifier/);
  });

  it('renders IN lists as tuples', () => {
    expect(sql`x IN ${tuple(['a', 1])}`.text).toBe("x IN ('a', 1)");
    expect(() => tuple([])).toThrow(/empty/);
  });

  it('joins fragments', () => {
    expect(join([sql`a = ${1}`, sql`b = ${'2'}`], ' AND ').text).toBe("a = 1 AND b = '2'");
  });
});
