import type { CairnEvent } from '../../lib/contracts/events/event-types';
import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { waitFor } from '../support/wait-for';
import { enqueue, type SenderHarness } from './sender-kit';

/** Enqueues the requests and waits until the sender settled each one (an outcome, its events emitted). */
export async function deliverAndSettle(h: SenderHarness, requests: SendRequest[]): Promise<void> {
  await enqueue(h.queue, requests);
  await waitFor(
    () =>
      h.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM sender_deliveries WHERE delivery_key = ANY($1) AND state NOT IN ('claimed', 'attempting') AND events_emitted",
        [requests.map((r) => r.key)],
      ),
    (result) => Number(result.rows[0]?.n) === requests.length,
    30_000,
  );
}

/** Each contact's events once it has one: [type, reason] of each. */
export async function eventOutcomes(h: SenderHarness, contactIds: string[]): Promise<[string, string | undefined][][]> {
  const of = (id: string): CairnEvent[] => h.collected.events.filter((e) => e.data.contact_id === id);
  await waitFor(
    () => contactIds.map(of),
    (all) => all.every((events) => events.length >= 1),
    20_000,
  );
  return contactIds.map((id) => of(id).map((e) => [e.type, (e.data as { reason?: string }).reason]));
}
