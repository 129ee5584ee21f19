import { confirmItem } from '../../services/sender/delivery-item';
import { DeliveriesRepository } from '../../services/sender/deliveries.repository';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { pendingConfirmation, startOptInKit, type OptInKit, type Pending } from './double-opt-in-kit';

/*
 * What a sender killed while it held a confirmation email leaves behind, as its ledger rows and poll marks show it
 * (docs/sender.md#never-twice-never-skipped): killed after the claim, before the attempt, the email is retaken by
 * a live replica and sent once; killed after the attempt was recorded, it is never sent again (at most once).
 */
let kit: OptInKit;

beforeAll(async () => {
  kit = await startOptInKit('cairn_optin_crash');
});

afterAll(() => kit?.close());

/** A confirmation as a dead sender left it: taken by its poller an hour ago, claimed in the ledger, maybe attempted. */
async function leftByDeadSender(attempted: boolean): Promise<Pending> {
  const dead = new DeliveriesRepository(kit.pool, 'dead-sender');
  // created with the poll mark already set, so no live poller takes it before the dead one's claim is in place
  const pending = await pendingConfirmation(kit, { takenSecondsAgo: 0 });
  const item = confirmItem({
    submission_id: pending.submissionId,
    workspace_id: kit.workspaceId,
    contact_id: pending.contactId,
  });
  await dead.claim([{ ...item, messageId: newId() }]);
  if (attempted) expect(await dead.markAttempting([item.key])).toEqual(new Set([item.key]));
  await kit.pool.query(
    "UPDATE form_confirmations SET email_taken_at = now() - interval '1 hour' WHERE submission_id = $1",
    [pending.submissionId],
  );
  return pending;
}

const settled = (submissionId: string) =>
  waitFor(
    async () =>
      (
        await kit.pool.query<{ settled: boolean; state: string }>(
          `SELECT c.email_settled_at IS NOT NULL AS settled, d.state FROM form_confirmations c
             JOIN sender_deliveries d ON d.delivery_key = 'confirm:' || c.submission_id::text WHERE c.submission_id = $1`,
          [submissionId],
        )
      ).rows[0],
    (row) => row?.settled === true,
    20_000,
  );

describe('double opt-in after a sender died', () => {
  it('sends a confirmation claimed but never attempted once, from a live replica', async () => {
    const pending = await leftByDeadSender(false);
    expect(await settled(pending.submissionId)).toEqual({ settled: true, state: 'delivered' });
    expect(kit.smtp.to(pending.address)).toHaveLength(1);
  });

  it('never sends again a confirmation whose attempt was recorded', async () => {
    const pending = await leftByDeadSender(true);
    expect(await settled(pending.submissionId)).toEqual({ settled: true, state: 'attempting' });
    // polled once more after it settled: still nothing (the stale sweep makes it outcome_unknown after its lease)
    await kit.pool.query(
      'UPDATE form_confirmations SET email_taken_at = NULL, email_settled_at = NULL WHERE submission_id = $1',
      [pending.submissionId],
    );
    expect(await settled(pending.submissionId)).toEqual({ settled: true, state: 'attempting' });
    expect(kit.smtp.to(pending.address)).toEqual([]);
  });
});
