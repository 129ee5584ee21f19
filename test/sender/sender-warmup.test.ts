import type { Job } from 'bullmq';
import { utcDay } from '../../lib/domain/email/warmup';
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
 * Issue 22 part 5: a verified sending domain with a warm-up schedule of [3] and 5 messages From it: 3 reach the
 * recording SMTP peer, 2 go back to the ledger as retries without an attempt counted, scheduled after the next UTC
 * midnight; the same domain verified by another workspace without a warm-up sends all 5. The domains are inserted
 * verified, as the API's verification leaves them (test/sender/sender-domain-dkim.test.ts verifies one over DNS).
 */
const DOMAIN = 'cairn.example'; // the From domain of the kit's email (news@cairn.example)
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_warmup', () => ({ CAIRN_SENDER_DOMAIN_KEYS_TTL_MS: '300' }));
});

afterAll(async () => {
  await h?.close();
});

async function verifiedDomain(seeded: Seeded, caps: number[] | null): Promise<string> {
  const { rows } = await h.pool.query<{ id: string }>(
    `INSERT INTO sending_domains (workspace_id, domain, status, verified_at, warmup, warmup_started_on)
     VALUES ($1, $2, 'verified', now(), $3::int[], CASE WHEN $3::int[] IS NULL THEN NULL ELSE $4::date END)
     RETURNING id`,
    [seeded.workspaceId, DOMAIN, caps, utcDay(new Date())],
  );
  return (rows[0] as { id: string }).id;
}

async function sendFive(seeded: Seeded, prefix: string): Promise<string[]> {
  const addresses = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}@example.com`);
  const contacts = await Promise.all(addresses.map((email) => addContact(h.pool, seeded, { email })));
  await enqueue(
    h.queue,
    contacts.map((id) => sendRequest(seeded, id)),
  );
  return addresses;
}

const arrived = (addresses: string[]): number => addresses.filter((a) => h.smtp.to(a).length > 0).length;

async function ledger(seeded: Seeded): Promise<{ key: string; state: string; attempts: number }[]> {
  const { rows } = await h.pool.query<{ key: string; state: string; attempts: number }>(
    'SELECT delivery_key AS key, state, attempts FROM sender_deliveries WHERE workspace_id = $1 ORDER BY state',
    [seeded.workspaceId],
  );
  return rows;
}

describe('sender: warm-up per sending domain', () => {
  it('sends the day’s cap and defers the rest to the next UTC day, no attempt counted', async () => {
    const seeded = await seedWorkspace(h.pool);
    const domainId = await verifiedDomain(seeded, [3]);
    const addresses = await sendFive(seeded, 'warm');
    const rows = await waitFor(
      () => ledger(seeded),
      (found) => found.length === 5 && found.every((r) => r.state === 'delivered' || r.state === 'retry'),
      30_000,
    );
    expect(rows.map((r) => r.state).sort()).toEqual(['delivered', 'delivered', 'delivered', 'retry', 'retry']);
    const deferred = rows.filter((r) => r.state === 'retry');
    expect(deferred.map((r) => r.attempts)).toEqual([0, 0]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(arrived(addresses)).toBe(3);

    const { rows: counts } = await h.pool.query<{ sent: number }>(
      'SELECT sent FROM sending_domain_daily_counts WHERE domain_id = $1 AND day = $2',
      [domainId, utcDay(new Date())],
    );
    expect(counts).toEqual([{ sent: 3 }]);

    // each deferred key waits in a delayed retry job due after the next UTC midnight
    const midnight = Date.parse(`${utcDay(new Date())}T00:00:00Z`) + 86_400_000;
    const delayed = (await h.queue.getDelayed()) as Job<{ keys: string[] }>[];
    for (const { key } of deferred) {
      const job = delayed.find((j) => j.data.keys.includes(key));
      expect(job).toBeDefined();
      expect((job as Job).timestamp + ((job as Job).opts.delay ?? 0)).toBeGreaterThanOrEqual(midnight);
    }
  });

  it('sends everything From a domain without a warm-up', async () => {
    const seeded = await seedWorkspace(h.pool);
    await verifiedDomain(seeded, null);
    const addresses = await sendFive(seeded, 'cold');
    expect(
      await waitFor(
        () => Promise.resolve(arrived(addresses)),
        (n) => n === 5,
        30_000,
      ),
    ).toBe(5);
    expect((await ledger(seeded)).map((r) => r.state)).toEqual(Array(5).fill('delivered'));
  });
});
