import type { Pool } from 'pg';
import type { Logger } from '../../lib/platform/logger';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';
import { eraseContactEverywhere } from './contact-erasure';

/** A pass that died half-way (process killed) is taken again after this long. */
const LEASE_SECONDS = 600;
const PER_PASS = 20;

/**
 * The second pass of every erasure, `CAIRN_API_ERASURE_RESWEEP_SECONDS` after it: every PostgreSQL step and the
 * ClickHouse sweep again, for what was in flight when the erasure ran (hits within ingest's reload delay, events
 * still in Kafka, a send already claimed). Returns the erasures swept.
 * NOTE: at least once, by any API replica: a due record is leased (resweep_at moved past the lease, FOR UPDATE SKIP
 * LOCKED) before its pass and cleared after it, unless an erasure call re-armed it meanwhile; a pass that fails
 * or dies is taken again when the lease ends. Each pass is idempotent (contact-erasure.ts).
 */
export async function resweepDue(deps: { pool: Pool; clickhouse: ClickHouseCommands; log: Logger }): Promise<number> {
  const { rows } = await deps.pool.query<{ workspace_id: string; contact_id: string; leased: string }>(
    `UPDATE contact_erasures SET resweep_at = now() + make_interval(secs => $1)
      WHERE id IN (SELECT id FROM contact_erasures WHERE resweep_at <= now() ORDER BY resweep_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING workspace_id::text, contact_id::text, resweep_at::text AS leased`,
    [LEASE_SECONDS, PER_PASS],
  );
  let swept = 0;
  for (const row of rows) {
    try {
      await eraseContactEverywhere(
        deps,
        { workspaceId: row.workspace_id, contactId: row.contact_id, keyId: '' },
        { resweepSeconds: 0 },
      );
      await deps.pool.query(
        'UPDATE contact_erasures SET resweep_at = NULL WHERE workspace_id = $1 AND contact_id = $2 AND resweep_at = $3::timestamptz',
        [row.workspace_id, row.contact_id, row.leased],
      );
      swept++;
    } catch (error) {
      deps.log.warn({ err: (error as Error).message }, 'erasure_resweep_failed');
    }
  }
  if (swept > 0) deps.log.info({ swept }, 'erasure_resweep_done');
  return swept;
}
