import type { ClickHouse } from './clickhouse-client';

/** What the retention and erasure jobs need: the ClickHouse client, or chdb in the dialect test. */
export type ClickHouseCommands = Pick<ClickHouse, 'exec' | 'rows'>;
import { pollUntil } from '../retry';
import { sql, type Identifier } from './sql';

/** 18.16 has no mutations_sync: ALTER ... DELETE returns at once, so wait until the table has none pending. */
export async function waitForMutations(ch: ClickHouseCommands, table: Identifier, timeoutMs = 120_000): Promise<void> {
  const done = async (): Promise<boolean> => {
    const rows = await ch.rows<{ pending: string }>(sql`
      SELECT count() AS pending FROM system.mutations
      WHERE database = currentDatabase() AND table = ${table.name} AND is_done = 0`);
    return Number(rows[0]?.pending ?? 0) === 0;
  };
  await pollUntil(done, {
    pause: () => 100,
    deadlineMs: timeoutMs,
    timeout: () => new Error(`mutations on ${table.name} still pending after ${timeoutMs} ms`),
  });
}
