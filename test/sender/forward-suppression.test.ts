import { randomUUID } from 'node:crypto';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { BatchingProducer } from '../../lib/platform/kafka/kafka-client';
import { encodeForwardRequest, type ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { addContact, startSenderHarness, type SenderHarness } from './sender-kit';

/**
 * Issue 20, defect 7: forward-to-a-friend mailed suppressed addresses. The friend is no contact, but their address
 * goes through the same address policy and suppression as any recipient's. A friend not sent to is recorded with
 * a forward_blocked event and its reason (not `blocked`: the friend was never targeted, so no email KPI counts the
 * copy either way); a friend with no suppression, an expired one, or one in another workspace still receives.
 */
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_forward');
});
afterAll(async () => {
  await h?.close();
});

const SUPPRESSED: [string, string, string | null, string][] = [
  ['complained@friends.example', 'complaint', null, 'suppressed_complaint'],
  ['bounced@friends.example', 'hard_bounce', "now() + interval '6 months'", 'suppressed_bounce'],
  ['soft@friends.example', 'soft_bounces', "now() + interval '6 months'", 'suppressed_bounce'],
  ['by.hand@friends.example', 'manual', null, 'blocklisted_address'],
];
const EXPIRED = 'expired@friends.example';
const ELSEWHERE = 'elsewhere@friends.example';
const FRESH = 'fresh@friends.example';

describe('forward to a friend goes through suppression and the address policy (defect 7)', () => {
  it('sends nothing to suppressed or blocklisted friends and records why; other friends still receive', async () => {
    const { pool, seeded, env, smtp, collected } = h;
    for (const [address, reason, until] of SUPPRESSED)
      await pool.query(
        `INSERT INTO address_suppressions (workspace_id, address, reason, suppressed_until) VALUES ($1, $2, $3, ${until ?? 'NULL'})`,
        [seeded.workspaceId, address, reason],
      );
    await pool.query(
      "INSERT INTO address_suppressions (workspace_id, address, reason, suppressed_until) VALUES ($1, $2, 'hard_bounce', now() - interval '1 day')",
      [seeded.workspaceId, EXPIRED],
    );
    const otherWorkspace = newId();
    await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [otherWorkspace, 'another tenant']);
    await pool.query("INSERT INTO address_suppressions (workspace_id, address, reason) VALUES ($1, $2, 'complaint')", [
      otherWorkspace,
      ELSEWHERE,
    ]);

    const forwarder = await addContact(pool, seeded, { email: 'sharer@example.com' });
    const forward = (friend: string): ForwardRequest => ({
      request_id: randomUUID(),
      requested_at: Date.now(),
      workspace_id: seeded.workspaceId,
      new_message_id: randomUUID(),
      friend_address: friend,
      forwarded_by_contact_id: forwarder,
      original_message_id: randomUUID(),
      email_id: seeded.emailId,
      email_version: 1,
      journey_id: 'journey-1',
      tile_id: 'tile-1',
      iteration: 0,
    });
    const blocked = new Map([
      ...SUPPRESSED.map(([address, , , reason]) => [forward(address), reason] as const),
      [forward('someone@mailinator.com'), 'blocklisted_address'] as const,
    ]);
    const requests = [...blocked.keys(), forward(EXPIRED), forward(ELSEWHERE), forward(FRESH)];
    const producer = await BatchingProducer.connect(env.kafka);
    for (const request of requests)
      await producer.send({ topic: env.topics.forwardRequests, key: forwarder, value: encodeForwardRequest(request) });
    await producer.disconnect();

    const states = await waitFor(
      () =>
        pool.query<{ delivery_key: string; state: string }>(
          'SELECT delivery_key, state FROM sender_deliveries WHERE delivery_key = ANY($1) AND events_emitted',
          [requests.map((r) => `forward:${r.request_id}`)],
        ),
      (result) =>
        result.rows.length === requests.length &&
        result.rows.every((row) => ['delivered', 'blocked'].includes(row.state)),
      40_000,
    );
    const stateOf = new Map(states.rows.map((row) => [row.delivery_key, row.state]));
    for (const request of blocked.keys()) expect(stateOf.get(`forward:${request.request_id}`)).toBe('blocked');
    expect(smtp.received.flatMap((message) => message.to).sort()).toEqual([ELSEWHERE, EXPIRED, FRESH]);
    expect(smtp.rcptTo.filter((to) => to.endsWith('@friends.example')).sort()).toEqual([ELSEWHERE, EXPIRED, FRESH]);

    type ForwardBlocked = Extract<CairnEvent, { type: 'forward_blocked' }>;
    const recorded = await waitFor(
      () =>
        collected.events.filter(
          (e): e is ForwardBlocked => e.type === 'forward_blocked' && e.data.contact_id === forwarder,
        ),
      (events) => events.length >= blocked.size,
    );
    expect(recorded.map((e) => [e.data.message_id, e.data.reason]).sort()).toEqual(
      [...blocked].map(([request, reason]) => [request.new_message_id, reason]).sort(),
    );
    for (const event of recorded)
      expect(event.data).toMatchObject({
        workspace_id: seeded.workspaceId,
        email_id: seeded.emailId,
        email_version: 1,
        journey_id: 'journey-1',
      });
    // nothing the email KPIs count: a friend's copy is neither targeted (blocked), sent, bounced nor complained of
    expect(collected.events.filter((e) => e.data.contact_id === forwarder && e.type !== 'forward_blocked')).toEqual([]);
  });
});
