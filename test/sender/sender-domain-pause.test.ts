import { randomUUID } from 'node:crypto';
import { directSendKey, type DirectSendJob } from '../../lib/contracts/sending/direct-send';
import { waitFor } from '../support/wait-for';
import {
  addContact,
  enqueue,
  seedWorkspace,
  sendRequest,
  startSenderHarness,
  type SenderHarness,
  type Seeded,
} from './sender-kit';

/*
 * Issue 22 part 5: mail From a sending domain the circuit breaker paused waits in the sender
 * (docs/sender.md#paused-sending-domains), journey mail and one-to-one messages alike: back to the ledger as
 * retries without an attempt, nothing handed to SMTP, while another workspace's row for the same domain name (not
 * paused) sends. Cleared as the resume route clears it, every waiting message is delivered once. The pause is set
 * in the row directly, as the journey engine's breaker leaves it (test/scheduler/domain-breaker.test.ts trips it).
 */
const DOMAIN = 'cairn.example'; // the From domain of the kit's email (news@cairn.example)
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_domain_pause', () => ({
    CAIRN_SENDER_DOMAIN_KEYS_TTL_MS: '200',
    CAIRN_SENDER_PAUSED_RECHECK_MS: '200',
  }));
});

afterAll(async () => {
  await h?.close();
});

async function domainOf(seeded: Seeded, paused: boolean): Promise<string> {
  const { rows } = await h.pool.query<{ id: string }>(
    `INSERT INTO sending_domains (workspace_id, domain, status, verified_at, paused_at, paused_reason)
     VALUES ($1, $2, 'verified', now(), CASE WHEN $3 THEN now() END, CASE WHEN $3 THEN 'test' END) RETURNING id`,
    [seeded.workspaceId, DOMAIN, paused],
  );
  return (rows[0] as { id: string }).id;
}

function directJob(seeded: Seeded, contactId: string): DirectSendJob {
  const messageId = randomUUID();
  return {
    v: 1,
    kind: 'direct',
    requests: [
      {
        key: directSendKey(messageId, 0),
        workspace_id: seeded.workspaceId,
        engagement_message_id: messageId,
        contact_id: contactId,
        delivery_message_id: randomUUID(),
        email_id: seeded.emailId,
        email_version: 1,
        followed: true,
        attach_ids: [],
        requested_at: Date.now(),
      },
    ],
  };
}

async function ledger(seeded: Seeded): Promise<{ state: string; attempts: number }[]> {
  const { rows } = await h.pool.query<{ state: string; attempts: number }>(
    'SELECT state, attempts FROM sender_deliveries WHERE workspace_id = $1',
    [seeded.workspaceId],
  );
  return rows;
}

describe('sender: a paused sending domain', () => {
  it('holds journey and one-to-one mail From it without an attempt, then sends each once when resumed', async () => {
    const seeded = await seedWorkspace(h.pool);
    const domainId = await domainOf(seeded, true);
    const addresses = ['p-0@example.com', 'p-1@example.com', 'p-direct@example.com'];
    const [a, b, direct] = await Promise.all(addresses.map((email) => addContact(h.pool, seeded, { email })));
    await enqueue(h.queue, [sendRequest(seeded, a ?? ''), sendRequest(seeded, b ?? '')]);
    await h.queue.add('direct', directJob(seeded, direct ?? ''), { jobId: `direct-${randomUUID()}` });

    // another workspace's row for the same name is not paused: its mail From cairn.example goes out meanwhile
    const other = await seedWorkspace(h.pool);
    await domainOf(other, false);
    await enqueue(h.queue, [sendRequest(other, await addContact(h.pool, other, { email: 'o-0@example.com' }))]);
    await waitFor(
      () => Promise.resolve(h.smtp.to('o-0@example.com').length),
      (n) => n === 1,
      30_000,
    );

    await waitFor(
      () => ledger(seeded),
      (rows) => rows.length === 3 && rows.every((r) => r.state === 'retry'),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several rechecks
    expect(await ledger(seeded)).toEqual(Array(3).fill({ state: 'retry', attempts: 0 }));
    expect(addresses.map((to) => h.smtp.to(to).length)).toEqual([0, 0, 0]);

    await h.pool.query(
      'UPDATE sending_domains SET paused_at = NULL, paused_reason = NULL, pause_rates = NULL WHERE id = $1',
      [domainId],
    );
    await waitFor(
      () => ledger(seeded),
      (rows) => rows.length === 3 && rows.every((r) => r.state === 'delivered'),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(addresses.map((to) => h.smtp.to(to).length)).toEqual([1, 1, 1]);
    expect((await ledger(seeded)).map((r) => r.attempts)).toEqual([1, 1, 1]);
  });
});
