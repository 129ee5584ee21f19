import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { newId } from '../support/test-env';
import { addContact, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';
import { deliverAndSettle, eventOutcomes } from './sender-outcomes';

/**
 * Issue 23, item 1: the sender's check just before each message follows the journey engine's rule
 * (protectedListIds): a contact who unsubscribed from the journey's `settings.list_id` or from a list its segment
 * tile targets is blocked `unsubscribed`; a member an operator removed by hand from either is sent. A real sender,
 * queue, Kafka and SMTP peer.
 */
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_journey_lists');
});
afterAll(async () => {
  await h?.close();
});

const deliver = (requests: SendRequest[]): Promise<void> => deliverAndSettle(h, requests);
const outcomes = (contactIds: string[]): Promise<[string, string | undefined][][]> => eventOutcomes(h, contactIds);

/** The membership of `contact` in `list` as the contact's unsubscribe or an operator's removal leaves it. */
async function leave(list: string, contact: string, byHand: boolean): Promise<void> {
  await h.pool.query(
    `INSERT INTO list_memberships (list_id, contact_id, workspace_id, unsubscribed_at, removed_by_hand)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (list_id, contact_id) DO UPDATE SET unsubscribed_at = now(), removed_by_hand = $4`,
    [list, contact, h.seeded.workspaceId, byHand],
  );
}

describe('the sender blocks on every list the journey protects (issue 23, item 1)', () => {
  it('unsubscribed from settings.list_id or the targeted list is blocked; removed by hand from either is sent', async () => {
    const { pool, seeded } = h;
    const targeted = newId();
    await pool.query("INSERT INTO subscription_lists (id, workspace_id, name) VALUES ($1, $2, 'Targeted')", [
      targeted,
      seeded.workspaceId,
    ]);
    const journeyId = newId();
    const graph = {
      tiles: [
        { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [], list_ids: [targeted] } },
        { id: 'mail', type: 'email', next: [], config: { email_id: seeded.emailId } },
      ],
    };
    await pool.query(
      `INSERT INTO journeys (id, workspace_id, name, status, graph, settings) VALUES ($1, $2, 'j', 'live', $3, $4)`,
      [journeyId, seeded.workspaceId, JSON.stringify(graph), JSON.stringify({ list_id: seeded.listId })],
    );
    const ids = await Promise.all(Array.from({ length: 5 }, () => addContact(pool, seeded)));
    // the fifth never left a list
    const [fromTargeted, fromSettings, removedTargeted, removedSettings] = ids as [string, string, string, string];
    await leave(targeted, fromTargeted, false);
    await leave(seeded.listId, fromSettings, false);
    await leave(targeted, removedTargeted, true);
    await leave(seeded.listId, removedSettings, true);
    await deliver(ids.map((id) => sendRequest(seeded, id, { journeyId, tileId: 'mail' })));
    expect(await outcomes(ids)).toEqual([
      [['blocked', 'unsubscribed']],
      [['blocked', 'unsubscribed']],
      [['send', undefined]],
      [['send', undefined]],
      [['send', undefined]],
    ]);
  });
});
