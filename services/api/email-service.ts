import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { SendQueueJob } from '../../lib/contracts/sending/send-queue';
import type { Pool, PoolClient } from 'pg';
import type { ContentSettingsData, EmailDraft } from '../../lib/domain/email/email-check';
import type { MergeContext } from '../../lib/domain/email/merge-template';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { testSendJobId, type TestSendJob } from '../../lib/contracts/sending/test-send';
import type { ApiConfig } from './api.config';
import { ApiProblem } from './api-problem';
import { assertVerifiedFrom } from './sending-domains';
import type { DraftRenderer } from './draft-renderer';
import { getRow } from './resource-routes';

export interface EmailRow {
  id: string;
  name: string;
  status: string;
  draft: EmailDraft;
  live_version: number | null;
}

/** The email's content settings, or the workspace default when the draft names none. */
/** An email of the workspace (a 404 problem when there is none). */
export function loadEmail(pool: Pool, workspaceId: string, id: string): Promise<EmailRow> {
  return getRow<EmailRow>(pool, 'emails', 'email', workspaceId, id);
}

export async function contentSettingsFor(
  db: Pool | PoolClient,
  workspaceId: string,
  id: string | null | undefined,
): Promise<ContentSettingsData | null> {
  const { rows } = await db.query<ContentSettingsData>(
    `SELECT subscription_center_url, forward_url, postal_address, social_links FROM content_settings
     WHERE workspace_id = $1 AND (CASE WHEN $2::uuid IS NULL THEN is_default ELSE id = $2::uuid END)`,
    [workspaceId, id ?? null],
  );
  return rows[0] ?? null;
}

/** The go-live check of a stored draft, on a draft-render thread (MJML compiles there, off the event loop). */
export async function runEmailCheck(
  db: Pool | PoolClient,
  renderer: DraftRenderer,
  workspaceId: string,
  email: EmailRow,
) {
  return renderer.check(email.draft, await contentSettingsFor(db, workspaceId, email.draft.content_settings_id));
}

/**
 * Go live: check, compile MJML once, freeze version n+1 with its link table, point the email at it.
 * NOTE: one transaction with the email row locked: two concurrent go-lives cannot both create version n+1, and
 * a failed check persists nothing (the 422 is thrown before any write).
 */
export async function goLive(
  pool: Pool,
  renderer: DraftRenderer,
  workspaceId: string,
  emailId: string,
  config: Pick<ApiConfig, 'sendingDomains'>,
): Promise<{ version: number; links: unknown[] }> {
  return inTransaction(pool, async (client) => {
    const email = await getRow<EmailRow>(client, 'emails', 'email', workspaceId, emailId, true);
    const check = { compiled: await compiledForGoLive(client, renderer, config, workspaceId, email) };
    const { rows } = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0) + 1 AS version FROM email_versions WHERE email_id = $1',
      [emailId],
    );
    const version = rows[0]?.version ?? 1;
    const d = email.draft;
    await client.query(
      `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, reply_to, preview_text, compiled_html, content_settings_id, attachments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        emailId,
        version,
        workspaceId,
        d.subject,
        d.from_address,
        d.from_name ?? '',
        d.reply_to ?? null,
        d.preview_text ?? '',
        check.compiled.html,
        d.content_settings_id ?? null,
        JSON.stringify(d.attachments ?? []),
      ],
    );
    const links = check.compiled.links;
    if (links.length > 0)
      await client.query(
        `INSERT INTO email_links (email_id, version, link_id, url, kind, label)
         SELECT $1, $2, unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[])`,
        [
          emailId,
          version,
          links.map((l) => l.link_id),
          links.map((l) => l.url),
          links.map((l) => l.kind),
          links.map((l) => l.label),
        ],
      );
    await client.query("UPDATE emails SET status = 'live', live_version = $2, updated_at = now() WHERE id = $1", [
      emailId,
      version,
    ]);
    return { version, links };
  });
}

/** The draft compiled, or the 422 that stops go-live: the error check's problems, or the From domain's. */
async function compiledForGoLive(
  client: PoolClient,
  renderer: DraftRenderer,
  config: Pick<ApiConfig, 'sendingDomains'>,
  workspaceId: string,
  email: EmailRow,
) {
  const check = await runEmailCheck(client, renderer, workspaceId, email);
  if (!check.compiled)
    throw new ApiProblem(
      422,
      `the email has ${check.issues.length} problem(s) to fix before it can go live`,
      check.issues,
    );
  // NOTE: under 'strict' a frozen version's From domain is a verified sending domain of the workspace, so the
  // sender can sign it d=<From domain> and it passes DMARC (docs/api.md#sending-domains).
  await assertVerifiedFrom(client, config, workspaceId, email.draft.from_address);
  return check.compiled;
}

/** Merge data for one contact: its fields, its account and the content settings. */
export async function mergeContextFor(
  pool: Pool,
  workspaceId: string,
  contactId: string,
  content: ContentSettingsData | null,
): Promise<MergeContext> {
  const contact = await getRow<Record<string, unknown>>(pool, 'contacts', 'contact', workspaceId, contactId);
  const { rows } = await pool.query('SELECT id, name, attributes FROM accounts WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    contact.account_id ?? null,
  ]);
  return { contact, account: rows[0] ?? {}, content: { ...(content ?? {}) } };
}

/**
 * Test sends are queued for the sender (services/sender), which delivers each address once: the rendered draft,
 * marked [TEST], with no tracking and no events. The addresses come from the request.
 */
export async function queueTestSend(
  queue: Queue<SendQueueJob>,
  job: Omit<TestSendJob, 'v' | 'kind' | 'request_id' | 'requested_at'>,
): Promise<string> {
  const request_id = randomUUID();
  const data: TestSendJob = { v: 1, kind: 'test', request_id, requested_at: Date.now(), ...job };
  try {
    await queue.add('test', data, { jobId: testSendJobId(request_id), removeOnComplete: 1000, removeOnFail: 5000 });
  } catch (error) {
    throw new ApiProblem(503, `the test send could not be queued: ${(error as Error).message}`);
  }
  return request_id;
}
