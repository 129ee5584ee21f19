import type { Session } from 'chdb';
import type { Sql } from '../../lib/platform/clickhouse/sql';
import type { QueryRunner } from '../../services/api/insights/insights-filters';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';

/** The API's insights queries, erasure and KPI rebuilds over chdb (current ClickHouse, no server), in database db. */
export function chdbRunner(session: Session, db: string): QueryRunner & ClickHouseCommands {
  return {
    rows: async <T>(query: Sql): Promise<T[]> => {
      const text = String(session.query(`USE ${db}; ${query.text}`, 'JSONEachRow'));
      return text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as T);
    },
    exec: async (statement: Sql): Promise<void> => {
      session.query(`USE ${db}; ${statement.text}`);
    },
  };
}
