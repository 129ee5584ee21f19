import { waitFor } from '../support/wait-for';
import { addContact, enqueue, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_retry', () => ({
    CAIRN_SENDER_MAX_ATTEMPTS: '3',
    CAIRN_SENDER_RETRY_BASE_MS: '300',
    CAIRN_SENDER_METRICS_PORT: '-1',
  }));
});

afterAll(async () => {
  await h?.close();
});

const row = (key: string) =>
  h.pool.query<{ state: string; attempts: number; events_emitted: boolean }>(
    'SELECT state, attempts, events_emitted FROM sender_deliveries WHERE delivery_key = $1',
    [key],
  );

it('retries a soft bounce with backoff and delivers once', async () => {
  const address = 'busy@example.com';
  h.smtp.script(address, { stage: 'rcpt', code: 452, text: '4.2.2 Mailbox full, try again later' });
  const contactId = await addContact(h.pool, h.seeded, { email: address });
  const request = sendRequest(h.seeded, contactId);
  const queued = Date.now();
  await enqueue(h.queue, [request]);
  const done = await waitFor(
    () => row(request.key),
    (r) => r.rows[0]?.state === 'delivered' && r.rows[0].events_emitted,
    30_000,
  );
  expect(Date.now() - queued).toBeGreaterThanOrEqual(300);
  expect(done.rows[0]?.attempts).toBe(2);
  expect(h.smtp.to(address)).toHaveLength(1);
  const events = await waitFor(
    () => h.collected.events.filter((e) => e.data.contact_id === contactId),
    (e) => e.length >= 1,
  );
  expect(events.map((e) => e.type)).toEqual(['send']);
});

it('gives up after the last attempt with one soft bounce', async () => {
  const address = 'always.busy@example.com';
  h.smtp.refuseAlways(address, { stage: 'rcpt', code: 452, text: '4.2.2 Mailbox full' });
  const contactId = await addContact(h.pool, h.seeded, { email: address });
  const request = sendRequest(h.seeded, contactId);
  await enqueue(h.queue, [request]);
  const done = await waitFor(
    () => row(request.key),
    (r) => r.rows[0]?.state === 'bounced' && r.rows[0].events_emitted,
    30_000,
  );
  expect(done.rows[0]?.attempts).toBe(3);
  const events = await waitFor(
    () => h.collected.events.filter((e) => e.data.contact_id === contactId),
    (e) => e.length >= 2,
  );
  expect(events.map((e) => [e.type, (e.data as { bounce_class?: string }).bounce_class])).toEqual([
    ['send', undefined],
    ['bounce', 'soft'],
  ]);
  await h.suppressionApplied(); // the writer counts the soft bounce when it consumes its report
  const state = await h.pool.query(
    'SELECT consecutive_soft_bounces AS n FROM address_bounce_state WHERE address = $1',
    [address],
  );
  expect(state.rows[0]?.n).toBe(1);
});
