import type { Pool } from 'pg';
import { inTransaction } from '../../lib/postgres/pg-pool';
import type { ClickHouseCommands } from '../../lib/retention/clickhouse-mutations';
import { eraseContact } from '../../lib/retention/erase-contact';
import { notFound } from './api-problem';

export type ContactErasure = {
  id: string;
  contact_id: string;
  requested_by_key_id: string;
  requested_at: string;
  postgres_erased_at: string | null;
  clickhouse_erased_at: string | null;
  clickhouse_raw_events: number | null;
};

const COLUMNS = 'id, contact_id, requested_by_key_id, requested_at, postgres_erased_at, clickhouse_erased_at, clickhouse_raw_events::int AS clickhouse_raw_events';

/**
 * Erases a contact from PostgreSQL (the contact row; memberships and segment rows cascade, tasks and leads keep
 * their rows with the contact nulled) and from ClickHouse (raw events, timeline, and the KPI cells it touched,
 * rebuilt), recording each step in contact_erasures.
 * NOTE: resumable and idempotent: the record and the PostgreSQL delete commit together, ClickHouse follows; a
 * call after a ClickHouse failure finds the record and finishes the job, and any later call sweeps ClickHouse
 * again (events of the contact that were still in Kafka), adding what it erased to the record. Another
 * workspace's contact is a 404 like a missing one.
 */
export async function eraseContactEverywhere(
  deps: { pool: Pool; clickhouse: ClickHouseCommands },
  target: { workspaceId: string; contactId: string; keyId: string },
): Promise<ContactErasure> {
  const { workspaceId, contactId } = target;
  const record = await inTransaction(deps.pool, async (client) => {
    const deleted = await client.query('DELETE FROM contacts WHERE workspace_id = $1 AND id = $2', [workspaceId, contactId]);
    if (deleted.rowCount) {
      await client.query(
        `INSERT INTO contact_erasures (workspace_id, contact_id, requested_by_key_id, postgres_erased_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (workspace_id, contact_id) DO UPDATE SET postgres_erased_at = now(), clickhouse_erased_at = NULL`,
        [workspaceId, contactId, target.keyId],
      );
    }
    const { rows } = await client.query<ContactErasure>(`SELECT ${COLUMNS} FROM contact_erasures WHERE workspace_id = $1 AND contact_id = $2`, [
      workspaceId,
      contactId,
    ]);
    return rows[0];
  });
  if (!record) throw notFound('contact');
  const { rawEvents } = await eraseContact(deps.clickhouse, { workspaceId, contactId });
  const { rows } = await deps.pool.query<ContactErasure>(
    `UPDATE contact_erasures SET clickhouse_erased_at = now(), clickhouse_raw_events = coalesce(clickhouse_raw_events, 0) + $3
      WHERE workspace_id = $1 AND contact_id = $2 RETURNING ${COLUMNS}`,
    [workspaceId, contactId, rawEvents],
  );
  return rows[0] as ContactErasure;
}
