import { buildSender } from '../../services/sender/sender.app';
import { testLogger } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { enqueue, seedContacts, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_stop', () => ({
    CAIRN_SENDER_METRICS_PORT: '-1',
    CAIRN_SENDER_SHUTDOWN_MS: '2000',
  }));
});

afterAll(async () => {
  await h?.close();
});

it('a graceful stop finishes or returns its in-flight messages: a new sender sends the rest, nothing twice, nothing unknown', async () => {
  const contacts = await seedContacts(h.pool, h.seeded, 3000);
  await enqueue(
    h.queue,
    contacts.map((c) => sendRequest(h.seeded, c.id)),
  );
  await waitFor(
    () => h.smtp.received.length,
    (n) => n >= 300,
    60_000,
    20,
  );
  await h.sender.stop();
  const atStop = h.smtp.received.length;
  expect(atStop).toBeLessThan(3000);
  h.sender = buildSender(h.config, testLogger('sender'));
  await h.sender.start();
  const states = await waitFor(
    () =>
      h.pool.query<{ state: string; n: number }>(
        'SELECT state, count(*)::int AS n FROM sender_deliveries WHERE events_emitted GROUP BY state',
      ),
    (r) => r.rows.reduce((sum, row) => sum + row.n, 0) === 3000,
    120_000,
    250,
  );
  expect(states.rows).toEqual([{ state: 'delivered', n: 3000 }]);
  const addresses = h.smtp.received.flatMap((r) => r.to);
  expect(addresses).toHaveLength(3000);
  expect(new Set(addresses).size).toBe(3000);
});
