import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { ident, sql, tuple } from '../../lib/platform/clickhouse/sql';
import { createTestEnv, type TestEnv } from '../support/test-env';

/** Hostile inputs, each of which would break out of a naively quoted literal. */
const HOSTILE = [
  "x' OR '1'='1",
  "x'; DROP TABLE victims; --",
  "\\'; DROP TABLE victims; --",
  'x\\',
  "x\\' OR 1=1 --",
  'line\nbreak\r\nand\ttab',
  'nul\0byte',
  "'))) UNION ALL SELECT name FROM system.tables --",
  '`backtick` "double"',
  'unicode \u2028 \u{1F600} é',
];

describe('SQL binding helper against injection', () => {
  let env: TestEnv;
  let db: ClickHouse;

  beforeAll(async () => {
    env = await createTestEnv('cairn_inj');
    db = env.clickhouse;
    await db.exec(sql`CREATE TABLE victims (id UInt32, name String) ENGINE = MergeTree ORDER BY id`);
    await db.insert(
      'victims',
      HOSTILE.map((name, id) => ({ id, name })),
    );
  });

  afterAll(async () => {
    await env.cleanup();
  });

  it.each(HOSTILE.map((value, index) => [index, value] as const))(
    'ClickHouse 18.16 matches hostile value #%i exactly',
    async (index, value) => {
      const rows = await db.rows<{ id: number; name: string }>(
        sql`SELECT id, name FROM ${ident('victims')} WHERE name = ${value}`,
      );
      expect(rows).toEqual([{ id: index, name: value }]);
    },
  );

  it('leaves the table intact and never matches more than the bound value', async () => {
    const rows = await db.rows<{ n: string }>(sql`SELECT count() AS n FROM victims WHERE name IN ${tuple(HOSTILE)}`);
    expect(Number(rows[0]?.n)).toBe(HOSTILE.length);
    const none = await db.rows<{ n: string }>(
      sql`SELECT count() AS n FROM victims WHERE name = ${"' OR 1=1 OR name = '"}`,
    );
    expect(Number(none[0]?.n)).toBe(0);
  });

  it('binds the same way on current ClickHouse (chdb)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-chdb-inj-'));
    const session = new Session(dir);
    try {
      for (const value of HOSTILE) {
        const out = session.query(sql`SELECT ${value} AS v`.text, 'JSONEachRow');
        expect(JSON.parse(out).v).toBe(value);
      }
    } finally {
      session.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
