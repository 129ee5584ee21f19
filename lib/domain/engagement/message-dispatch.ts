import type { Queue } from 'bullmq';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../platform/postgres/pg-pool';
import type { SendQueueJob } from '../../contracts/sending/send-queue';
import {
  directSendJobId,
  directSendKey,
  type DirectSendJob,
  type DirectSendRequest,
} from '../../contracts/sending/direct-send';

interface DueRow {
  id: string;
  workspace_id: string;
  email_id: string;
  email_version: number;
  followed: boolean;
}

async function jobFor(client: PoolClient, message: DueRow): Promise<DirectSendJob> {
  const { rows: recipients } = await client.query<{ idx: number; contact_id: string; delivery_message_id: string }>(
    'SELECT idx, contact_id::text, delivery_message_id::text FROM engagement_recipients WHERE message_id = $1 ORDER BY idx',
    [message.id],
  );
  const { rows: files } = await client.query<{ attachment_id: string }>(
    'SELECT attachment_id::text FROM engagement_message_attachments WHERE message_id = $1 AND (NOT followed OR NOT $2::boolean) ORDER BY attachment_id',
    [message.id, message.followed],
  );
  const attach = files.map((f) => f.attachment_id);
  const requests = recipients.map((r): DirectSendRequest => ({
    key: directSendKey(message.id, r.idx),
    workspace_id: message.workspace_id,
    engagement_message_id: message.id,
    contact_id: r.contact_id,
    delivery_message_id: r.delivery_message_id,
    email_id: message.email_id,
    email_version: message.email_version,
    followed: message.followed,
    attach_ids: attach,
    requested_at: Date.now(),
  }));
  return { v: 1, kind: 'direct', requests };
}

/**
 * Hands every due scheduled message (or just `onlyId`, if it is due) to the sender; returns the ids handed over.
 * Used by the API right after a message is created to send now, and by services/engagement's poller for
 * scheduled ones (and for any the API could not queue).
 *
 * NOTE: exactly once. The row moves scheduled -> queued under FOR UPDATE SKIP LOCKED in the same transaction that
 * queues its job, so two pollers (or the API and a poller) never both take it and a cancel either wins before
 * (nothing queued) or answers 409 after. If the commit fails after the job was queued, the row stays scheduled
 * and is queued again with the same job id; the sender's ledger (key direct:<message>:<n>) still sends each
 * recipient once, and the sender skips a message found cancelled.
 */
export async function dispatchDue(
  pool: Pool,
  queue: Queue<SendQueueJob>,
  options: { onlyId?: string; limit?: number } = {},
): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<DueRow>(
      `UPDATE engagement_messages SET state = 'queued', queued_at = now(), updated_at = now()
        WHERE id IN (SELECT id FROM engagement_messages
                      WHERE state = 'scheduled' AND send_at <= now() AND ($1::uuid IS NULL OR id = $1::uuid)
                      ORDER BY send_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id::text, workspace_id::text, email_id::text, email_version, followed`,
      [options.onlyId ?? null, options.limit ?? 100],
    );
    for (const message of rows) {
      const job = await jobFor(client, message);
      await queue.add('direct', job, {
        jobId: directSendJobId(message.id),
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: 1000,
        removeOnFail: 5000,
      });
    }
    return rows.map((row) => row.id);
  });
}
