import { dayRange, emailWhere, num, utcDay } from './insights-filters';
import { sql } from '../../../lib/platform/clickhouse/sql';

describe('insights filters', () => {
  it('binds every filter value as a literal', () => {
    const where = emailWhere({
      workspaceId: "w' OR 1=1 --",
      emailId: 'e',
      journeyId: 'j',
      emailVersion: 2,
      from: new Date(Date.UTC(2026, 0, 2, 23)),
    });
    expect(where.text).toBe(
      "workspace_id = 'w\\' OR 1=1 --' AND email_id = 'e' AND journey_id = 'j' AND email_version = 2 AND day >= toDate('2026-01-01') AND substring(toString(bucket, 'UTC'), 1, 10) >= '2026-01-02'",
    );
  });

  it('reads local days in the time zone given, with a day of margin on the UTC partition day', () => {
    const day = new Date(Date.UTC(2026, 2, 2));
    expect(emailWhere({ workspaceId: 'w', emailId: 'e', from: day, to: day, timeZone: 'Asia/Kathmandu' }).text).toBe(
      "workspace_id = 'w' AND email_id = 'e' AND day >= toDate('2026-03-01') AND substring(toString(bucket, 'Asia/Kathmandu'), 1, 10) >= '2026-03-02' AND day <= toDate('2026-03-03') AND substring(toString(bucket, 'Asia/Kathmandu'), 1, 10) <= '2026-03-02'",
    );
    expect(emailWhere({ workspaceId: 'w', emailId: 'e', from: new Date(0) }).text).toContain(
      "day >= toDate('1970-01-01')",
    );
    expect(() => emailWhere({ workspaceId: 'w', emailId: 'e', from: day, timeZone: "UTC' --" })).toThrow(/time zone/);
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
