import { dayRange, emailWhere, num, utcDay } from './insights-filters';
import { sql } from '../clickhouse/sql';

describe('insights filters', () => {
  it('binds every filter value as a literal', () => {
    const where = emailWhere({ workspaceId: "w' OR 1=1 --", emailId: 'e', journeyId: 'j', emailVersion: 2, from: new Date(Date.UTC(2026, 0, 2, 23)) });
    expect(where.text).toBe(
      "workspace_id = 'w\\' OR 1=1 --' AND email_id = 'e' AND journey_id = 'j' AND email_version = 2 AND day >= toDate('2026-01-02')",
    );
  });

  it('uses UTC days and refuses invalid dates', () => {
    expect(utcDay(new Date(Date.UTC(2026, 4, 31, 23, 59)))).toBe('2026-05-31');
    expect(() => utcDay(new Date(Number.NaN))).toThrow();
    expect(dayRange(sql`d`).length).toBe(0);
  });

  it('reads ClickHouse UInt64 strings as numbers', () => {
    expect([num('42'), num(7), num(undefined), num('x')]).toEqual([42, 7, 0, 0]);
  });
});
