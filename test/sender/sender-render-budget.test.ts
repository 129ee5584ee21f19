import { randomUUID } from 'node:crypto';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { directSendKey, type DirectSendJob } from '../../lib/contracts/sending/direct-send';
import { waitFor } from '../support/wait-for';
import { addContact, enqueue, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

/**
 * Issue 20, defect 5, the sender's half: every per-recipient render of a frozen version has a size budget. The
 * render is the sender's hot path, so the budget is a bound checked before rendering (lib/domain/email/render-budget.ts),
 * not a thread per message: a version that could render more than CAIRN_SENDER_RENDER_MAX_CHARS for a recipient,
 * or that iterates over contact data at all, fails for that recipient (sending_failed, RENDER_BUDGET_EXCEEDED,
 * nothing handed to SMTP) while other recipients of the same version are sent.
 */
const MAX_CHARS = 200_000;
let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_render_budget', () => ({ CAIRN_SENDER_RENDER_MAX_CHARS: String(MAX_CHARS) }));
});
afterAll(async () => {
  await h?.close();
});

/** A version of the seeded email with `extra` before </body>, frozen directly (as if by an older go-live). */
async function freeze(version: number, extra: string): Promise<void> {
  await h.pool.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, compiled_html)
     SELECT email_id, $2, workspace_id, subject, from_address, from_name, replace(compiled_html, '</body>', $3 || '</body>') FROM email_versions WHERE email_id = $1 AND version = 1`,
    [h.seeded.emailId, version, extra],
  );
}

const failures = (contactId: string) => (): Extract<CairnEvent, { type: 'sending_failed' }>[] =>
  h.collected.events.filter(
    (e): e is Extract<CairnEvent, { type: 'sending_failed' }> =>
      e.type === 'sending_failed' && e.data.contact_id === contactId,
  );

describe('the sender renders each recipient within its budget (defect 5)', () => {
  it('fails a journey or one-to-one recipient whose render is over the budget or loops over contact data; others are sent', async () => {
    const { pool, seeded, queue, smtp } = h;
    await freeze(2, '<p>{{contact.attributes.big}}</p>'.repeat(30));
    await freeze(
      3,
      '<p>{{#each contact.attributes.items}}{{#each @root.contact.attributes.items}}{{this}}{{/each}}{{/each}}</p>',
    );
    const big = await addContact(pool, seeded, { email: 'big@example.com', attributes: { big: 'x'.repeat(10_000) } });
    const small = await addContact(pool, seeded, { email: 'small@example.com', attributes: { big: 'tiny' } });
    const looped = await addContact(pool, seeded, {
      email: 'looped@example.com',
      attributes: { items: ['a', 'b', 'c'] },
    });
    const oneToOne = await addContact(pool, seeded, {
      email: 'direct@example.com',
      attributes: { big: 'y'.repeat(10_000) },
    });
    await enqueue(queue, [
      { ...sendRequest(seeded, big), email_version: 2 },
      { ...sendRequest(seeded, small), email_version: 2 },
      { ...sendRequest(seeded, looped), email_version: 3 },
    ]);
    const messageId = randomUUID();
    const direct: DirectSendJob = {
      v: 1,
      kind: 'direct',
      requests: [
        {
          key: directSendKey(messageId, 0),
          workspace_id: seeded.workspaceId,
          engagement_message_id: messageId,
          contact_id: oneToOne,
          delivery_message_id: randomUUID(),
          email_id: seeded.emailId,
          email_version: 2,
          followed: true,
          attach_ids: [],
          requested_at: Date.now(),
        },
      ],
    };
    await queue.add('direct', direct, { jobId: `direct-${messageId}` });

    await waitFor(
      () => smtp.to('small@example.com').length,
      (n) => n === 1,
      30_000,
    );
    for (const contact of [big, looped, oneToOne]) {
      const [failed] = await waitFor(failures(contact), (events) => events.length === 1, 30_000);
      expect(failed?.data.error_code).toBe('RENDER_BUDGET_EXCEEDED');
    }
    expect(failures(big)()[0]?.data.error_message).toMatch(new RegExp(`over the budget of ${MAX_CHARS}`));
    expect(failures(looped)()[0]?.data.error_message).toMatch(/\{\{#each\}\} block/);
    expect(smtp.rcptTo.sort()).toEqual(['small@example.com']);
  });
});
