import { waitFor } from '../support/wait-for';
import { addContact, enqueue, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

// The route requires TLS and the relay offers no STARTTLS: no message leaves in clear text, and none is lost: it
// waits in the ledger for another attempt and, after the last one, fails with the reason (docs/sender.md#tls-policy).

let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_tls_required', () => ({
    CAIRN_SENDER_SMTP_TLS: 'required',
    CAIRN_SENDER_MAX_ATTEMPTS: '2',
    CAIRN_SENDER_RETRY_BASE_MS: '300',
    CAIRN_SENDER_METRICS_PORT: '-1',
  }));
});

afterAll(async () => {
  await h?.close();
});

it('sends nothing in clear text; the message is retried, then fails with tls_required_not_offered', async () => {
  const address = 'reader@example.com';
  const contactId = await addContact(h.pool, h.seeded, { email: address });
  const request = sendRequest(h.seeded, contactId);
  await enqueue(h.queue, [request]);
  const done = await waitFor(
    async () => {
      const { rows } = await h.pool.query<{ state: string; attempts: number; events_emitted: boolean }>(
        'SELECT state, attempts, events_emitted FROM sender_deliveries WHERE delivery_key = $1',
        [request.key],
      );
      return rows[0];
    },
    (r) => r?.state === 'failed' && r.events_emitted,
    30_000,
  );
  expect(done?.state).toBe('failed');
  expect(done?.attempts).toBe(2); // the first attempt went back to retry: the message waited, nothing was lost
  expect(h.smtp.mailFrom).toHaveLength(0);
  expect(h.smtp.received).toHaveLength(0);
  const events = await waitFor(
    () => h.collected.events.filter((e) => e.data.contact_id === contactId),
    (e) => e.length >= 1,
  );
  const failed = events.map((e) =>
    e.type === 'sending_failed' ? [e.type, e.data.error_code, e.data.error_message] : [e.type],
  );
  expect(failed).toEqual([['sending_failed', 'SMTP_UNAVAILABLE', expect.stringContaining('tls_required_not_offered')]]);
});
