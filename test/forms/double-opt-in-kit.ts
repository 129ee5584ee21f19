import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { Pool } from 'pg';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { insertKey } from '../../services/api/sending-domains';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { LoopbackDns } from '../support/dns-server';
import { RecordingSmtp } from '../support/recording-smtp';
import { createTestEnv, newId, testLogger, uniqueName, type TestEnv } from '../support/test-env';
import { ingestConfig, startIngest } from '../ingest/ingest-support';
import { senderConfig } from '../sender/sender-kit';

/** The From domain of the kit's form, a verified sending domain of its workspace with a DKIM key. */
export const FORM_DOMAIN = 'forms.example';
export const CONFIRM_TEXT = 'Hi <b>there</b> & welcome.\n\nFollow the link to confirm.';

export interface OptInKit {
  env: TestEnv;
  pool: Pool;
  smtp: RecordingSmtp;
  dns: LoopbackDns;
  ingest: Awaited<ReturnType<typeof startIngest>>;
  /** two sender replicas polling the same confirmations */
  senders: SenderService[];
  workspaceId: string;
  /** list 0 the contact never joined, list 1 it left before */
  listIds: string[];
  formId: string;
  /** a form whose confirmation is From a domain the workspace has not verified */
  unverifiedFormId: string;
  close(): Promise<void>;
}

export function definition(listIds: string[], fromAddress: string): Record<string, unknown> {
  return {
    fields: [{ name: 'email', kind: 'email', label: 'Email', required: true }],
    create_lead: false,
    list_ids: listIds,
    consent_level: 3,
    double_opt_in: true,
    confirmation: {
      from_address: fromAddress,
      from_name: 'Forms & Co',
      subject: 'Confirm, please',
      text: CONFIRM_TEXT,
    },
    thank_you: { kind: 'message', message: 'Thanks' },
    min_fill_seconds: 3,
  };
}

export async function insertForm(
  pool: Pool,
  workspaceId: string,
  formDefinition: Record<string, unknown>,
): Promise<string> {
  const formId = newId();
  await pool.query(
    "INSERT INTO forms (id, workspace_id, name, definition, status, live_version) VALUES ($1, $2, 'signup', $3, 'live', 1)",
    [formId, workspaceId, JSON.stringify(formDefinition)],
  );
  await pool.query('INSERT INTO form_versions (form_id, version, workspace_id, definition) VALUES ($1, 1, $2, $3)', [
    formId,
    workspaceId,
    JSON.stringify(formDefinition),
  ]);
  return formId;
}

/** A workspace with two lists, a verified sending domain (its key in the loopback DNS) and two double opt-in forms. */
async function seedWorkspace(pool: Pool, sealingKey: Buffer, dns: LoopbackDns) {
  const workspaceId = newId();
  const listIds = [newId(), newId()];
  await pool.query("INSERT INTO workspaces (id, name) VALUES ($1, 'opt-in test')", [workspaceId]);
  for (const [i, id] of listIds.entries())
    await pool.query('INSERT INTO subscription_lists (id, workspace_id, name) VALUES ($1, $2, $3)', [
      id,
      workspaceId,
      `List ${i}`,
    ]);
  const { rows } = await pool.query<{ id: string }>(
    "INSERT INTO sending_domains (workspace_id, domain, status, verified_at) VALUES ($1, $2, 'verified', now()) RETURNING id",
    [workspaceId, FORM_DOMAIN],
  );
  const key = await insertKey(pool, sealingKey, (rows[0] as { id: string }).id, 'active');
  dns.txt(`${key.selector}._domainkey.${FORM_DOMAIN}`, `v=DKIM1; k=rsa; p=${key.public_key}`);
  const formId = await insertForm(pool, workspaceId, definition(listIds, `hello@${FORM_DOMAIN}`));
  const unverifiedFormId = await insertForm(pool, workspaceId, definition(listIds, 'hello@unverified.example'));
  return { workspaceId, listIds, formId, unverifiedFormId };
}

export async function startOptInKit(name: string): Promise<OptInKit> {
  const env = await createTestEnv(name);
  const pool = createPgPool(env.postgresUrl, 4);
  const smtp = new RecordingSmtp();
  const smtpPort = await smtp.listen();
  const dns = await LoopbackDns.start();
  const ingest = await startIngest(ingestConfig(env, { CAIRN_INGEST_TRUST_PROXY: 'true' }));
  const sealingKey = randomBytes(32);
  const shared = {
    CAIRN_SENDER_TRACKING_URL: ingest.url(),
    CAIRN_SENDER_CONFIRM_POLL_MS: '150',
    CAIRN_QUEUE_PREFIX: uniqueName('sq'),
    CAIRN_SENDER_GROUP_ID: uniqueName('sender'),
    CAIRN_DKIM_KEY_ENCRYPTION_KEY: sealingKey.toString('base64'),
  };
  const senders = [0, 1].map((i) => buildSender(senderConfig(env, smtpPort, shared), testLogger(`sender-${i}`)));
  for (const sender of senders) await sender.start();
  const seeded = await seedWorkspace(pool, sealingKey, dns);
  return {
    env,
    pool,
    smtp,
    dns,
    ingest,
    senders,
    ...seeded,
    async close() {
      for (const sender of senders) await sender.stop();
      await ingest.cleanup();
      await smtp.close();
      await dns.close();
      await pool.end();
      await env.cleanup();
    },
  };
}

export interface Pending {
  submissionId: string;
  contactId: string;
  address: string;
}

/**
 * What ingest's submission of a double opt-in form writes (docs/pages-and-forms.md#submissions): the contact, the
 * submission (confirmation pending) and its confirmation; the contact has left list 1 before.
 */
export async function pendingConfirmation(
  kit: OptInKit,
  options: {
    formId?: string;
    expiresInSeconds?: number;
    address?: string;
    takenSecondsAgo?: number;
    /** another workspace (its form given too): no list memberships before */
    workspaceId?: string;
  } = {},
): Promise<Pending> {
  const contactId = newId();
  const submissionId = newId();
  const address = options.address ?? `optin.${randomBytes(4).toString('hex')}@example.com`;
  const { pool, listIds } = kit;
  const workspaceId = options.workspaceId ?? kit.workspaceId;
  await pool.query('INSERT INTO contacts (id, workspace_id, email, consent_level) VALUES ($1, $2, $3, 1)', [
    contactId,
    workspaceId,
    address,
  ]);
  if (workspaceId === kit.workspaceId)
    await pool.query(
      'INSERT INTO list_memberships (list_id, contact_id, workspace_id, unsubscribed_at) VALUES ($1, $2, $3, now())',
      [listIds[1], contactId, workspaceId],
    );
  await pool.query(
    `INSERT INTO form_submissions (id, workspace_id, form_id, form_version, contact_id, fields, contact_outcome, lead_outcome, confirmation_pending)
     VALUES ($1, $2, $3, 1, $4, $5, 'created', 'none', true)`,
    [submissionId, workspaceId, options.formId ?? kit.formId, contactId, JSON.stringify({ email: address })],
  );
  await pool.query(
    `INSERT INTO form_confirmations (submission_id, workspace_id, contact_id, list_ids, consent_level, expires_at, email_taken_at)
     VALUES ($1, $2, $3, $4::uuid[], 3, now() + make_interval(secs => $5), now() - make_interval(secs => $6))`,
    [
      submissionId,
      workspaceId,
      contactId,
      listIds,
      options.expiresInSeconds ?? 7 * 86_400,
      options.takenSecondsAgo ?? null,
    ],
  );
  return { submissionId, contactId, address };
}

/** The confirmation link in a message's text part (the text the form gave, then the link). */
export async function linkOf(raw: Buffer): Promise<{ path: string; text: string; html: string }> {
  const parsed = await simpleParser(raw);
  const text = parsed.text ?? '';
  const url = /https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]+/.exec(text)?.[0];
  if (!url) throw new Error(`no confirmation link in ${JSON.stringify(text)}`);
  return { path: new URL(url).pathname, text, html: typeof parsed.html === 'string' ? parsed.html : '' };
}

/** The contact's list memberships, active or left. */
export async function membershipsOf(pool: Pool, contactId: string) {
  const { rows } = await pool.query<{ list_id: string; active: boolean }>(
    'SELECT list_id::text, unsubscribed_at IS NULL AS active FROM list_memberships WHERE contact_id = $1 ORDER BY list_id',
    [contactId],
  );
  return rows;
}
