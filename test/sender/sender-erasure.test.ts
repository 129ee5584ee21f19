import { randomUUID } from 'node:crypto';
import { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { encodeForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import { eraseContactEverywhere } from '../../services/api/contact-erasure';
import { waitFor } from '../support/wait-for';
import { addContact, enqueue, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

// Issue 20, defect 11: work queued for a contact that is then erased is skipped: no mail, no event, no ledger row.

let h: SenderHarness;
beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_erasure');
});
afterAll(async () => {
  await h?.close();
});

const erasedCount = async (): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${h.sender.metricsPort()}/metrics`)).text();
  return Number(/cairn_sender_messages_total\{outcome="erased"\} (\d+)/.exec(text)?.[1] ?? 0);
};

describe('the sender and an erased contact', () => {
  it("forgets a journey send and a forward queued for an erased contact, and still sends the others'", async () => {
    const { pool, seeded, env } = h;
    const erased = await addContact(pool, seeded, { email: 'erased.reader@example.com' });
    const kept = await addContact(pool, seeded, { email: 'kept.reader@example.com' });
    const forward = (by: string, friend: string) => ({
      request_id: randomUUID(),
      requested_at: Date.now(),
      workspace_id: seeded.workspaceId,
      new_message_id: randomUUID(),
      friend_address: friend,
      forwarded_by_contact_id: by,
      original_message_id: randomUUID(),
      email_id: seeded.emailId,
      email_version: 1,
      journey_id: 'journey-1',
      tile_id: 'tile-1',
      iteration: 0,
    });
    await eraseContactEverywhere(
      { pool, clickhouse: env.clickhouse },
      { workspaceId: seeded.workspaceId, contactId: erased, keyId: 'test' },
      { resweepSeconds: 0 },
    );

    // What was queued before the erasure (a journey step's send batch, a forward request in Kafka) is read after it.
    await enqueue(h.queue, [sendRequest(seeded, erased), sendRequest(seeded, kept)]);
    const producer = await BatchingProducer.connect(env.kafka);
    for (const [by, friend] of [
      [erased, 'pal.of.erased@example.org'],
      [kept, 'pal.of.kept@example.org'],
    ] as const)
      await producer.send({
        topic: env.topics.forwardRequests,
        key: by,
        value: encodeForwardRequest(forward(by, friend)),
      });
    await producer.disconnect();

    await waitFor(
      () => h.smtp.to('kept.reader@example.com').length + h.smtp.to('pal.of.kept@example.org').length,
      (n) => n === 2,
      30_000,
    );
    await waitFor(erasedCount, (n) => n === 2, 30_000);
    expect([h.smtp.to('erased.reader@example.com').length, h.smtp.to('pal.of.erased@example.org').length]).toEqual([
      0, 0,
    ]);
    const ledger = await pool.query<{ contact_id: string; state: string }>(
      'SELECT contact_id, state FROM sender_deliveries WHERE workspace_id = $1 ORDER BY kind',
      [seeded.workspaceId],
    );
    expect(ledger.rows).toEqual([
      { contact_id: kept, state: 'delivered' },
      { contact_id: kept, state: 'delivered' },
    ]);
    await waitFor(
      () => h.collected.events.filter((e) => e.data.contact_id === kept),
      (events) => events.length >= 1,
      20_000,
    );
    expect(h.collected.events.filter((e) => e.data.contact_id === erased)).toEqual([]);
  });
});
