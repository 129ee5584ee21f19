import type { SendRequest } from '../../lib/contracts/sending/send-request';
import { addContact, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';
import { deliverAndSettle, eventOutcomes } from './sender-outcomes';

/**
 * Issue 23, item 9: role mailboxes (info@, sales@, …) were blocked as `blocklisted_address` for every workspace,
 * silently dropping common B2B recipients. They are now sent unless the workspace sets `block_role_addresses`;
 * then they are blocked with their own reason, `role_address`. The workspace's own blocklist (a `manual`
 * suppression) keeps `blocklisted_address` either way. A real sender, queue, Kafka and SMTP peer.
 */
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_roles');
});
afterAll(async () => {
  await h?.close();
});

const deliver = (requests: SendRequest[]): Promise<void> => deliverAndSettle(h, requests);
const outcomes = (contactIds: string[]): Promise<[string, string | undefined][][]> => eventOutcomes(h, contactIds);

/** A role contact, a contact on the workspace's blocklist and an ordinary one, each sent the journey's email. */
async function sendThree(tag: string): Promise<{ role: string; listed: string; plain: string; ids: string[] }> {
  const { pool, seeded } = h;
  const role = `info@${tag}.example.com`;
  const listed = `blocked.by.hand@${tag}.example.com`;
  const plain = `ann@${tag}.example.com`;
  await pool.query("INSERT INTO address_suppressions (workspace_id, address, reason) VALUES ($1, $2, 'manual')", [
    seeded.workspaceId,
    listed,
  ]);
  const ids = [
    await addContact(pool, seeded, { email: role }),
    await addContact(pool, seeded, { email: listed }),
    await addContact(pool, seeded, { email: plain }),
  ];
  await deliver(ids.map((id) => sendRequest(seeded, id, { tileId: tag })));
  return { role, listed, plain, ids };
}

describe('role addresses are blocked only when the workspace says so (issue 23, item 9)', () => {
  it('by default an info@ recipient is delivered; the workspace blocklist still blocks with its reason', async () => {
    const { rows } = await h.pool.query<{ block_role_addresses: boolean }>(
      'SELECT block_role_addresses FROM workspaces WHERE id = $1',
      [h.seeded.workspaceId],
    );
    expect(rows).toEqual([{ block_role_addresses: false }]);
    const { role, listed, plain, ids } = await sendThree('default');
    expect(h.smtp.rcptTo.filter((to) => to.endsWith('@default.example.com')).sort()).toEqual([plain, role].sort());
    expect(h.smtp.rcptTo).not.toContain(listed);
    expect(await outcomes(ids)).toEqual([
      [['send', undefined]],
      [['blocked', 'blocklisted_address']],
      [['send', undefined]],
    ]);
  });

  it('with block_role_addresses on, info@ is blocked as role_address and never reaches SMTP', async () => {
    await h.pool.query('UPDATE workspaces SET block_role_addresses = true WHERE id = $1', [h.seeded.workspaceId]);
    const { role, listed, plain, ids } = await sendThree('strict');
    expect(h.smtp.rcptTo.filter((to) => to.endsWith('@strict.example.com'))).toEqual([plain]);
    expect(h.smtp.rcptTo).not.toContain(role);
    expect(h.smtp.rcptTo).not.toContain(listed);
    expect(await outcomes(ids)).toEqual([
      [['blocked', 'role_address']],
      [['blocked', 'blocklisted_address']],
      [['send', undefined]],
    ]);
  });
});
