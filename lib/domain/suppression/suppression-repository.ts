import { suppressionEffect } from '../bounces/bounce-suppression';
import type { Pool, PoolClient } from 'pg';
import type { BounceClass } from '../../contracts/events/event-types';
import { inTransaction } from '../../platform/postgres/pg-pool';

/**
 * docs/sender.md#bounces-and-suppression: hard → 6 months; 5 consecutive soft → as hard; complaint → at once,
 * indefinitely.
 */
export const SOFT_BOUNCE_LIMIT = 5;
const HARD_SUPPRESSION = '6 months';

/**
 * Records the webhook's event id first; a retried webhook finds it and changes nothing.
 * NOTE: idempotency of suppression side effects lives in webhook_receipts (event ids are deterministic).
 */
async function once(client: PoolClient, eventId: string, workspaceId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    'INSERT INTO webhook_receipts (event_id, workspace_id) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING',
    [eventId, workspaceId],
  );
  return rowCount === 1;
}

async function suppress(client: PoolClient, workspaceId: string, address: string, reason: string, forever: boolean): Promise<void> {
  // A complaint (forever) is never downgraded to a 6-month bounce suppression.
  await client.query(
    `INSERT INTO address_suppressions (workspace_id, address, reason, suppressed_until)
     VALUES ($1, $2, $3, CASE WHEN $4 THEN NULL ELSE now() + $5::interval END)
     ON CONFLICT (workspace_id, address) DO UPDATE
       SET reason = EXCLUDED.reason, suppressed_until = EXCLUDED.suppressed_until, created_at = now()
     WHERE address_suppressions.reason <> 'complaint'`,
    [workspaceId, address, reason, forever, HARD_SUPPRESSION],
  );
}

export async function applyBounce(
  pool: Pool,
  bounce: { eventId: string; workspaceId: string; address: string; bounceClass: BounceClass; policyBlock: boolean },
): Promise<void> {
  // Bounced (other) counts as a soft bounce toward five in a row (docs/kpis.md#bounces-and-delivered).
  const effect = suppressionEffect({ bounceClass: bounce.bounceClass, policyBlock: bounce.policyBlock });
  if (effect === 'none') return;
  await inTransaction(pool, async (client) => {
    if (!(await once(client, bounce.eventId, bounce.workspaceId))) return;
    if (effect === 'suppress') {
      await suppress(client, bounce.workspaceId, bounce.address, 'hard_bounce', false);
      return;
    }
    const { rows } = await client.query<{ consecutive_soft_bounces: number }>(
      `INSERT INTO address_bounce_state (workspace_id, address, consecutive_soft_bounces) VALUES ($1, $2, 1)
       ON CONFLICT (workspace_id, address) DO UPDATE
         SET consecutive_soft_bounces = address_bounce_state.consecutive_soft_bounces + 1, last_event_at = now()
       RETURNING consecutive_soft_bounces`,
      [bounce.workspaceId, bounce.address],
    );
    if ((rows[0]?.consecutive_soft_bounces ?? 0) >= SOFT_BOUNCE_LIMIT) {
      await suppress(client, bounce.workspaceId, bounce.address, 'soft_bounces', false);
    }
  });
}

/** A delivery report resets the consecutive soft-bounce count. */
export async function applyDelivery(pool: Pool, workspaceId: string, address: string): Promise<void> {
  await pool.query(
    'UPDATE address_bounce_state SET consecutive_soft_bounces = 0, last_event_at = now() WHERE workspace_id = $1 AND address = $2',
    [workspaceId, address],
  );
}

export async function applyComplaint(pool: Pool, complaint: { eventId: string; workspaceId: string; address: string }): Promise<void> {
  await inTransaction(pool, async (client) => {
    if (await once(client, complaint.eventId, complaint.workspaceId)) {
      await suppress(client, complaint.workspaceId, complaint.address, 'complaint', true);
    }
  });
}

/** Many deliveries at once (the sender's hot path): one statement, touching only addresses with a soft count. */
export async function applyDeliveries(pool: Pool, deliveries: readonly { workspaceId: string; address: string }[]): Promise<void> {
  if (deliveries.length === 0) return;
  await pool.query(
    `UPDATE address_bounce_state b SET consecutive_soft_bounces = 0, last_event_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS d(workspace_id, address)
      WHERE b.workspace_id = d.workspace_id AND b.address = d.address AND b.consecutive_soft_bounces > 0`,
    [deliveries.map((d) => d.workspaceId), deliveries.map((d) => d.address)],
  );
}
