import { authenticate } from 'mailauth';
import type { TokenPurpose } from '../../lib/contracts/tracking/tracking-token';
import { BROWSER_UA, httpRequest, tokens } from '../ingest/ingest-support';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import {
  CONFIRM_TEXT,
  definition,
  FORM_DOMAIN,
  insertForm,
  linkOf,
  membershipsOf,
  pendingConfirmation,
  startOptInKit,
  type OptInKit,
  type Pending,
} from './double-opt-in-kit';

/*
 * Double opt-in (docs/pages-and-forms.md#double-opt-in) on the real stack: two sender replicas poll the pending
 * confirmations and send each one system email (a recording SMTP peer), signed by the form's verified sending
 * domain; ingest's /confirm/<token> shows a button on GET and applies the lists, the consent level and a consent
 * record once on POST.
 */
let kit: OptInKit;
/** A public address (Google's resolver) so the consent record has a country; ingest trusts X-Forwarded-For here. */
const CLIENT_IP = '8.8.8.8';

beforeAll(async () => {
  kit = await startOptInKit('cairn_optin');
});

afterAll(() => kit?.close());

const send = (method: string, path: string) =>
  httpRequest(kit.ingest.url(), {
    method,
    url: path,
    payload: method === 'POST' ? '' : undefined,
    headers: {
      'user-agent': BROWSER_UA,
      'x-forwarded-for': CLIENT_IP,
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
  });

const ledgerOf = async (submissionId: string) =>
  (
    await kit.pool.query<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM sender_deliveries WHERE delivery_key = $1',
      [`confirm:${submissionId}`],
    )
  ).rows;

const confirmationOf = async (submissionId: string) =>
  (
    await kit.pool.query<{ confirmed: boolean; settled: boolean }>(
      'SELECT confirmed_at IS NOT NULL AS confirmed, email_settled_at IS NOT NULL AS settled FROM form_confirmations WHERE submission_id = $1',
      [submissionId],
    )
  ).rows[0];

const consentRecordsOf = async (contactId: string) =>
  (await kit.pool.query('SELECT * FROM consent_records WHERE contact_id = $1', [contactId])).rows;

const consentLevelOf = async (contactId: string) =>
  (await kit.pool.query<{ consent_level: number }>('SELECT consent_level FROM contacts WHERE id = $1', [contactId]))
    .rows[0]?.consent_level;

/** The one message the pending confirmation's contact got. */
async function mailOf(pending: Pending): Promise<Buffer> {
  const [message] = await waitFor(
    () => kit.smtp.to(pending.address),
    (found) => found.length > 0,
    20_000,
  );
  return (message as { raw: Buffer }).raw;
}

/** A token of another purpose that names the same submission, as a pixel, link or landing token would. */
const otherToken = (pending: Pending, purpose: TokenPurpose): string =>
  tokens.mint(
    {
      workspaceId: kit.workspaceId,
      messageId: pending.submissionId,
      contactId: pending.contactId,
      emailId: kit.formId,
      emailVersion: 1,
      sentAt: Math.floor(Date.now() / 1000),
      ...(purpose === 'click' || purpose === 'attachment' ? { linkId: 'l1' } : {}),
    },
    purpose,
  );

describe('double opt-in', () => {
  it('sends one confirmation email through two sender replicas, however often the confirmation is polled', async () => {
    const pending = await pendingConfirmation(kit);
    const raw = await mailOf(pending);
    await waitFor(
      () => confirmationOf(pending.submissionId),
      (row) => row?.settled === true,
    );
    // polled again by both replicas as if it had never been taken: the ledger's key stops a second email
    await kit.pool.query(
      'UPDATE form_confirmations SET email_taken_at = NULL, email_settled_at = NULL WHERE submission_id = $1',
      [pending.submissionId],
    );
    await waitFor(
      () => confirmationOf(pending.submissionId),
      (row) => row?.settled === true,
    );
    expect(kit.smtp.to(pending.address)).toHaveLength(1);
    expect(await ledgerOf(pending.submissionId)).toEqual([{ state: 'delivered', attempts: 1 }]);

    const { text, html } = await linkOf(raw);
    const headers = raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
    expect(headers).toMatch(/^From: Forms & Co <hello@forms\.example>$/m);
    expect(headers).toMatch(/^Subject: Confirm, please$/m);
    expect(headers).not.toMatch(/^List-Unsubscribe/m);
    expect(text.startsWith(CONFIRM_TEXT)).toBe(true);
    expect(html).toContain('Hi &lt;b&gt;there&lt;/b&gt; &amp; welcome.');
    expect(html).not.toContain('<b>');
    const dkim = await authenticate(raw, {
      ip: '127.0.0.1',
      helo: 'sender.cairn.test',
      sender: `hello@${FORM_DOMAIN}`,
      mta: 'mx.example.com',
      resolver: kit.dns.resolve,
    });
    expect(dkim.dkim.results[0]).toMatchObject({ signingDomain: FORM_DOMAIN, status: { result: 'pass' } });
    // the email joins nothing by itself
    expect(await membershipsOf(kit.pool, pending.contactId)).toEqual([{ list_id: kit.listIds[1], active: false }]);
  });

  it('GET shows a button and changes nothing; POST applies the lists, the consent and a record once', async () => {
    const pending = await pendingConfirmation(kit);
    const { path } = await linkOf(await mailOf(pending));
    const before = await membershipsOf(kit.pool, pending.contactId);

    const page = await send('GET', path);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<form method="post" action="${path}">`);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(await membershipsOf(kit.pool, pending.contactId)).toEqual(before);
    expect(await confirmationOf(pending.submissionId)).toMatchObject({ confirmed: false });
    expect(await consentRecordsOf(pending.contactId)).toEqual([]);

    const confirmed = await send('POST', path);
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('Confirmed');
    const joined = [...kit.listIds].sort().map((list_id) => ({ list_id, active: true }));
    expect(await membershipsOf(kit.pool, pending.contactId)).toEqual(joined);
    expect(await consentLevelOf(pending.contactId)).toBe(3);
    const records = await consentRecordsOf(pending.contactId);
    expect(records).toEqual([
      expect.objectContaining({
        workspace_id: kit.workspaceId,
        form_id: kit.formId,
        submission_id: pending.submissionId,
        source: 'double_opt_in',
        consent_level: 3,
        list_ids: [...kit.listIds].sort(),
        country: 'US',
        user_agent: BROWSER_UA,
      }),
    ]);
    expect(JSON.stringify(records)).not.toContain(CLIENT_IP);

    // the contact leaves a list; a second POST re-joins nothing and records nothing
    await kit.pool.query('UPDATE list_memberships SET unsubscribed_at = now() WHERE contact_id = $1 AND list_id = $2', [
      pending.contactId,
      kit.listIds[0],
    ]);
    const after = await membershipsOf(kit.pool, pending.contactId);
    const again = await send('POST', path);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('Already confirmed');
    expect(await membershipsOf(kit.pool, pending.contactId)).toEqual(after);
    expect(await consentRecordsOf(pending.contactId)).toHaveLength(1);
  });

  it('refuses an expired link and changes nothing', async () => {
    const pending = await pendingConfirmation(kit);
    const { path } = await linkOf(await mailOf(pending));
    await kit.pool.query(
      "UPDATE form_confirmations SET expires_at = now() - interval '1 second' WHERE submission_id = $1",
      [pending.submissionId],
    );
    for (const method of ['GET', 'POST']) {
      const answer = await send(method, path);
      expect(answer.statusCode).toBe(410);
      expect(answer.body).toContain('expired');
    }
    expect(await confirmationOf(pending.submissionId)).toMatchObject({ confirmed: false });
    expect(await membershipsOf(kit.pool, pending.contactId)).toEqual([{ list_id: kit.listIds[1], active: false }]);
    expect(await consentRecordsOf(pending.contactId)).toEqual([]);
  });

  it('says there is nothing to confirm once the contact is erased', async () => {
    const pending = await pendingConfirmation(kit);
    const { path } = await linkOf(await mailOf(pending));
    // erasure deletes the contact, and its confirmation and memberships with it (services/api/contact-erasure.ts)
    await kit.pool.query('DELETE FROM contacts WHERE id = $1', [pending.contactId]);
    for (const method of ['GET', 'POST']) {
      const answer = await send(method, path);
      expect(answer.statusCode).toBe(410);
      expect(answer.body).toContain('Nothing to confirm');
    }
    expect(await membershipsOf(kit.pool, pending.contactId)).toEqual([]);
    expect(await consentRecordsOf(pending.contactId)).toEqual([]);
  });

  it("takes no other purpose's token, and its token opens nothing else", async () => {
    const pending = await pendingConfirmation(kit);
    const { path } = await linkOf(await mailOf(pending));
    for (const purpose of ['open', 'click', 'unsubscribe', 'landing', 'report'] as const)
      for (const method of ['GET', 'POST'])
        expect((await send(method, `/confirm/${otherToken(pending, purpose)}`)).statusCode).toBe(404);
    const confirmToken = path.slice('/confirm/'.length);
    for (const [method, other] of [
      ['GET', `/o/${confirmToken}.gif`],
      ['GET', `/c/${confirmToken}`],
      ['POST', `/u/${confirmToken}`],
      ['GET', `/s/${confirmToken}`],
      ['GET', `/f/${confirmToken}`],
    ] as const)
      expect((await send(method, other)).statusCode).toBe(404);
    expect((await send('POST', `${path}x`)).statusCode).toBe(404);
    expect(await confirmationOf(pending.submissionId)).toMatchObject({ confirmed: false });
    expect(await consentRecordsOf(pending.contactId)).toEqual([]);
  });

  it('suppresses the address when the confirmation email bounces hard', async () => {
    const address = `gone.${Date.now()}@example.com`;
    kit.smtp.refuseAlways(address, { stage: 'rcpt', code: 550, text: '5.1.1 No such user' });
    const pending = await pendingConfirmation(kit, { address });
    expect(
      await waitFor(
        () => ledgerOf(pending.submissionId),
        (rows) => rows[0]?.state === 'bounced',
        20_000,
      ),
    ).toEqual([{ state: 'bounced', attempts: 1 }]);
    const suppressed = await waitFor(
      async () =>
        (
          await kit.pool.query<{ reason: string }>(
            'SELECT reason FROM address_suppressions WHERE workspace_id = $1 AND address = $2',
            [kit.workspaceId, address],
          )
        ).rows,
      (rows) => rows.length > 0,
      30_000,
    );
    expect(suppressed).toEqual([{ reason: 'hard_bounce' }]);
  });

  it('mails no suppressed address and nothing From a domain its own workspace has not verified', async () => {
    const suppressed = `bounced.${Date.now()}@example.com`;
    await kit.pool.query(
      "INSERT INTO address_suppressions (workspace_id, address, reason, suppressed_until) VALUES ($1, $2, 'hard_bounce', now() + interval '180 days')",
      [kit.workspaceId, suppressed],
    );
    const toSuppressed = await pendingConfirmation(kit, { address: suppressed });
    const unverified = await pendingConfirmation(kit, { formId: kit.unverifiedFormId });
    // another workspace's form From the domain only the kit's workspace verified
    const otherWorkspace = newId();
    await kit.pool.query("INSERT INTO workspaces (id, name) VALUES ($1, 'other')", [otherWorkspace]);
    const otherForm = await insertForm(kit.pool, otherWorkspace, definition([], `hello@${FORM_DOMAIN}`));
    // polled in one batch with one of the kit's workspace, whose domain it is
    const [legit, borrowed] = [
      await pendingConfirmation(kit, { takenSecondsAgo: 0 }),
      await pendingConfirmation(kit, { workspaceId: otherWorkspace, formId: otherForm, takenSecondsAgo: 0 }),
    ];
    await kit.pool.query('UPDATE form_confirmations SET email_taken_at = NULL WHERE submission_id = ANY($1::uuid[])', [
      [legit.submissionId, borrowed.submissionId],
    ]);
    for (const { submissionId, state } of [
      { submissionId: toSuppressed.submissionId, state: 'bounced' },
      { submissionId: unverified.submissionId, state: 'failed' },
      { submissionId: borrowed.submissionId, state: 'failed' },
      { submissionId: legit.submissionId, state: 'delivered' },
    ])
      expect(
        await waitFor(
          () => ledgerOf(submissionId),
          // settled: neither claimed nor handed to SMTP and still waiting for its answer
          (rows) => rows.length > 0 && !['claimed', 'attempting'].includes(rows[0]?.state ?? ''),
          20_000,
        ),
      ).toEqual([{ state, attempts: state === 'delivered' ? 1 : 0 }]);
    expect(kit.smtp.to(toSuppressed.address)).toEqual([]);
    expect(kit.smtp.to(unverified.address)).toEqual([]);
    expect(kit.smtp.to(borrowed.address)).toEqual([]);
  });
});
