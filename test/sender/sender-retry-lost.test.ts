import { waitFor } from '../support/wait-for';
import { addContact, enqueue, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

// A soft-bounce retry whose delayed job is lost (Redis restarted without persistence) is queued again by the
// sweeper — every time it is lost, not only the first (docs/sender.md#never-twice-never-skipped).
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_retry_lost', () => ({
    CAIRN_SENDER_MAX_ATTEMPTS: '4',
    CAIRN_SENDER_RETRY_BASE_MS: '600000', // retries wait ten minutes: only the sweeper can bring them back in time
    CAIRN_SENDER_SWEEP_MS: '200',
    CAIRN_SENDER_METRICS_PORT: '-1',
  }));
});

afterAll(async () => {
  await h?.close();
});

const row = (key: string) =>
  h.pool.query<{ state: string; attempts: number }>(
    'SELECT state, attempts FROM sender_deliveries WHERE delivery_key = $1',
    [key],
  );

/** What a Redis restart without persistence does to waiting work: the delayed retry is gone; the ledger ages. */
async function loseTheDelayedRetry(key: string): Promise<void> {
  await h.queue.drain(true);
  await h.pool.query(`UPDATE sender_deliveries SET updated_at = now() - interval '30 days' WHERE delivery_key = $1`, [
    key,
  ]);
}

it('queues a lost retry again each time it is lost and delivers once', async () => {
  const address = 'twice.busy@example.com';
  const busy = { stage: 'rcpt' as const, code: 452, text: '4.2.2 Mailbox full, try again later' };
  h.smtp.script(address, busy, busy);
  const contactId = await addContact(h.pool, h.seeded, { email: address });
  const request = sendRequest(h.seeded, contactId);
  await enqueue(h.queue, [request]);

  await waitFor(
    () => row(request.key),
    (r) => r.rows[0]?.state === 'retry' && r.rows[0].attempts === 1,
    30_000,
  );
  await loseTheDelayedRetry(request.key);
  await waitFor(
    () => row(request.key),
    (r) => r.rows[0]?.state === 'retry' && r.rows[0].attempts === 2,
    30_000,
  );
  await loseTheDelayedRetry(request.key);
  const done = await waitFor(
    () => row(request.key),
    (r) => r.rows[0]?.state === 'delivered',
    30_000,
  );

  expect(done.rows[0]?.attempts).toBe(3);
  expect(h.smtp.to(address)).toHaveLength(1);
});
