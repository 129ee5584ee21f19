import type { Pool, PoolClient } from 'pg';
import type { AddressReport } from '../../lib/contracts/suppression/address-report';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { reportEffect } from './suppression-rules';

/** docs/sender.md "Suppression": hard → 6 months; 5 consecutive soft → as hard; complaint → at once, indefinitely. */
export const SOFT_BOUNCE_LIMIT = 5;
const HARD_SUPPRESSION = '6 months';

/**
 * NOTE: the one writer of suppression: address_suppressions, address_bounce_state and webhook_receipts are written
 * here and nowhere else, by the sender's consumer of address reports (address-reports.consumer.ts). Ingest's webhooks
 * and batch events and the sender's SMTP replies only report (lib/contracts/suppression/address-report.ts), and an
 * operator's `manual` row and the erasure of a contact's soft count (services/api/contact-erasure.ts) are the only
 * other changes. A report takes effect when it is consumed, well under a second after it was produced when the
 * consumer keeps up: a message to the same address already claimed or in flight may still go out in between.
 * Test: test/foundation/suppression-writer.test.ts.
 */

/**
 * Records the report's id first; a report consumed again (a retried webhook, a batch redelivered) finds it and
 * changes nothing. NOTE: bounce and complaint reports are idempotent by report_id (webhook_receipts), their
 * event's event_id, which is derived from what identifies them.
 */
async function once(client: PoolClient, reportId: string, workspaceId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    'INSERT INTO webhook_receipts (event_id, workspace_id) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING',
    [reportId, workspaceId],
  );
  return rowCount === 1;
}

async function suppress(
  client: PoolClient,
  workspaceId: string,
  address: string,
  reason: string,
  forever: boolean,
): Promise<void> {
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

/** One bounce or complaint report, once; Bounced (other) counts toward five in a row like a soft bounce. */
async function applyOnce(pool: Pool, report: AddressReport): Promise<void> {
  const effect = reportEffect(report);
  if (effect === 'none' || effect === 'reset_soft') return;
  const { workspace_id: workspaceId, address } = report;
  await inTransaction(pool, async (client) => {
    if (!(await once(client, report.report_id, workspaceId))) return;
    if (effect === 'suppress') return suppress(client, workspaceId, address, 'hard_bounce', false);
    if (effect === 'suppress_complaint') return suppress(client, workspaceId, address, 'complaint', true);
    const { rows } = await client.query<{ consecutive_soft_bounces: number }>(
      `INSERT INTO address_bounce_state (workspace_id, address, consecutive_soft_bounces) VALUES ($1, $2, 1)
       ON CONFLICT (workspace_id, address) DO UPDATE
         SET consecutive_soft_bounces = address_bounce_state.consecutive_soft_bounces + 1, last_event_at = now()
       RETURNING consecutive_soft_bounces`,
      [workspaceId, address],
    );
    if ((rows[0]?.consecutive_soft_bounces ?? 0) >= SOFT_BOUNCE_LIMIT)
      await suppress(client, workspaceId, address, 'soft_bounces', false);
  });
}

/** Deliveries reset the consecutive soft-bounce count: one statement, touching only addresses with a count. */
async function applyDeliveries(pool: Pool, deliveries: readonly AddressReport[]): Promise<void> {
  if (deliveries.length === 0) return;
  await pool.query(
    `UPDATE address_bounce_state b SET consecutive_soft_bounces = 0, last_event_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS d(workspace_id, address)
      WHERE b.workspace_id = d.workspace_id AND b.address = d.address AND b.consecutive_soft_bounces > 0`,
    [deliveries.map((d) => d.workspace_id), deliveries.map((d) => d.address)],
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The reports' contacts that were erased. NOTE: nothing is recorded for an erased contact afterwards, and a report
 * produced before the erasure may be consumed after it: its address would be written again (a soft-bounce count the
 * erasure deleted). Such reports are dropped here, whatever produced them.
 */
async function erasedContacts(pool: Pool, reports: readonly AddressReport[]): Promise<Set<string>> {
  const owned = reports.filter((r) => r.contact_id !== null && UUID.test(r.contact_id) && UUID.test(r.workspace_id));
  if (owned.length === 0) return new Set();
  const { rows } = await pool.query<{ contact_id: string }>(
    `SELECT e.contact_id::text FROM contact_erasures e
       JOIN unnest($1::uuid[], $2::uuid[]) AS r(workspace_id, contact_id) ON e.workspace_id = r.workspace_id AND e.contact_id = r.contact_id`,
    [owned.map((r) => r.workspace_id), owned.map((r) => r.contact_id)],
  );
  return new Set(rows.map((row) => row.contact_id));
}

/**
 * Applies reports in their order: runs of deliveries in one statement each, every bounce or complaint in its own
 * transaction between them, so a delivery reported after a bounce resets the count that bounce raised, never before.
 */
export async function applyAddressReports(pool: Pool, reports: readonly AddressReport[]): Promise<void> {
  const erased = await erasedContacts(pool, reports);
  let deliveries: AddressReport[] = [];
  for (const report of reports) {
    if (report.contact_id !== null && erased.has(report.contact_id.toLowerCase())) continue;
    if (report.outcome === 'delivered') {
      deliveries.push(report);
      continue;
    }
    await applyDeliveries(pool, deliveries);
    deliveries = [];
    await applyOnce(pool, report);
  }
  await applyDeliveries(pool, deliveries);
}
