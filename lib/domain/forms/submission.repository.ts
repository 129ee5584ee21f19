import type { Pool, PoolClient } from 'pg';
import { UUID_PATTERN } from '../../contracts/messages/message-schema';
import { inTransaction } from '../../platform/postgres/pg-pool';
import { joinLists } from '../subscriptions/subscriptions-repository';
import type { CheckedSubmission } from './submission-check';

/** The message a landing-page visit came from ('' and 0 without one). */
export interface MessageContext {
  messageId: string;
  emailId: string;
  emailVersion: number;
  journeyId: string;
  tileId: string;
  iteration: number;
}

export interface SubmissionInput {
  submissionId: string;
  workspaceId: string;
  form: { id: string; version: number; name: string; createLead: boolean; doubleOptIn: boolean };
  page: { id: string; version: number } | null;
  context: MessageContext;
  checked: CheckedSubmission;
  country: string | null;
  userAgent: string | null;
}

/** A form_submissions row as stored: what the events of the submission are made from, first time or replay. */
export interface StoredSubmission extends MessageContext {
  submissionId: string;
  workspaceId: string;
  formId: string;
  formVersion: number;
  pageId: string | null;
  pageVersion: number | null;
  contactId: string;
  contactOutcome: 'created' | 'updated';
  leadId: string | null;
  leadOutcome: 'created' | 'updated' | 'none';
  confirmationPending: boolean;
  country: string | null;
  userAgent: string | null;
  /** epoch milliseconds */
  createdAt: number;
}

const CONFIRMATION_DAYS = 7;
const UUID = new RegExp(UUID_PATTERN);

/**
 * An accepted submission, in one transaction (docs/pages-and-forms.md#submissions, #leads): the submission row,
 * the contact by email, the lead, then the lists and consent (with a consent record) or, for double opt-in, a
 * pending confirmation. `replay` is true when the submission id was stored before: nothing is written again and
 * the stored row is returned (null when its contact was erased since), so the caller answers and publishes
 * exactly as the first time.
 */
export async function acceptSubmission(
  pool: Pool,
  input: SubmissionInput,
): Promise<{ stored: StoredSubmission | null; replay: boolean }> {
  const written = await inTransaction(pool, async (client) => {
    // NOTE: exactly once: the ticket's submission id is the primary key; a replay inserts nothing and writes nothing else.
    if (!(await insertSubmission(client, input))) return false;
    const contact = await upsertContact(client, input);
    const lead = input.form.createLead ? await touchOrCreateLead(client, input, contact.id) : null;
    if (input.form.doubleOptIn) await pendingConfirmation(client, input, contact.id);
    else await applyListsAndConsent(client, input, contact.id);
    await client.query(
      `UPDATE form_submissions SET contact_id = $2, contact_outcome = $3, lead_id = $4, lead_outcome = $5 WHERE id = $1`,
      [
        input.submissionId,
        contact.id,
        contact.created ? 'created' : 'updated',
        lead?.id ?? null,
        lead?.outcome ?? 'none',
      ],
    );
    return true;
  });
  // null only for a replay of a submission whose contact was erased since (erasure keeps it without the contact):
  // nothing is recorded for an erased contact.
  const stored = await storedSubmission(pool, input.submissionId, input.workspaceId);
  if (!stored && written) throw new Error('submission not found after it was written');
  return { stored, replay: !written };
}

async function insertSubmission(client: PoolClient, input: SubmissionInput): Promise<boolean> {
  const { context: c } = input;
  const { rowCount } = await client.query(
    `INSERT INTO form_submissions (id, workspace_id, form_id, form_version, page_id, page_version, message_id, email_id,
       email_version, journey_id, tile_id, iteration, fields, contact_outcome, lead_outcome, confirmation_pending,
       country, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'created', 'none', $14, $15, $16)
     ON CONFLICT (id) DO NOTHING`,
    [
      ...[input.submissionId, input.workspaceId, input.form.id, input.form.version],
      ...[input.page?.id ?? null, input.page?.version ?? null],
      ...[c.messageId, c.emailId, c.emailVersion, c.journeyId, c.tileId, c.iteration],
      ...[JSON.stringify(input.checked.values), input.form.doubleOptIn, input.country, input.userAgent],
    ],
  );
  return rowCount === 1;
}

/**
 * The contact matched by (workspace, lower(email)), created or updated: names when given, company, phone and
 * attributes merged into contacts.attributes, the consent level unless double opt-in keeps it waiting.
 * NOTE: the upsert locks the contact's row (a concurrent insert of the same email waits on the unique index and
 * then updates), so two submissions of one contact run the lead step below one after the other.
 */
async function upsertContact(client: PoolClient, input: SubmissionInput): Promise<{ id: string; created: boolean }> {
  const { checked } = input;
  const consent = input.form.doubleOptIn ? null : checked.consentLevel;
  const { rows } = await client.query<{ id: string; created: boolean }>(
    `INSERT INTO contacts (workspace_id, email, first_name, last_name, attributes, consent_level)
     VALUES ($1, $2, $3, $4, $5::jsonb, COALESCE($6::smallint, 0))
     ON CONFLICT (workspace_id, lower(email)) WHERE email IS NOT NULL DO UPDATE SET
       first_name = COALESCE(EXCLUDED.first_name, contacts.first_name),
       last_name = COALESCE(EXCLUDED.last_name, contacts.last_name),
       attributes = contacts.attributes || EXCLUDED.attributes,
       consent_level = COALESCE($6::smallint, contacts.consent_level),
       updated_at = now()
     RETURNING id, (xmax = 0) AS created`,
    [
      input.workspaceId,
      checked.email,
      checked.firstName,
      checked.lastName,
      JSON.stringify(checked.attributes),
      consent,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('contact upsert returned no row');
  return row;
}

/** The contact's open lead (new or qualified) touched, or a new one; the contact row is locked (upsertContact). */
async function touchOrCreateLead(
  client: PoolClient,
  input: SubmissionInput,
  contactId: string,
): Promise<{ id: string; outcome: 'created' | 'updated' }> {
  const { rows: open } = await client.query<{ id: string }>(
    `UPDATE leads SET updated_at = now()
      WHERE id = (SELECT id FROM leads WHERE workspace_id = $1 AND contact_id = $2 AND status IN ('new', 'qualified')
                   ORDER BY created_at DESC LIMIT 1)
      RETURNING id`,
    [input.workspaceId, contactId],
  );
  if (open[0]) return { id: open[0].id, outcome: 'updated' };
  const origin = input.context.messageId ? 'landing_page' : 'form';
  // A landing-page lead names the journey whose message led there (GET /v1/leads?journey_id=…), when it still exists.
  const journeyId = UUID.test(input.context.journeyId) ? input.context.journeyId : null;
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO leads (workspace_id, contact_id, title, origin, submission_id, journey_id)
     VALUES ($1, $2, $3, $4, $5, (SELECT id FROM journeys WHERE id = $6::uuid AND workspace_id = $1))
     RETURNING id`,
    [input.workspaceId, contactId, input.form.name, origin, input.submissionId, journeyId],
  );
  const created = rows[0];
  if (!created) throw new Error('lead insert returned no row');
  return { id: created.id, outcome: 'created' };
}

async function pendingConfirmation(client: PoolClient, input: SubmissionInput, contactId: string): Promise<void> {
  await client.query(
    `INSERT INTO form_confirmations (submission_id, workspace_id, contact_id, list_ids, consent_level, expires_at)
     SELECT $1, $2, $3, COALESCE(array_agg(l.id ORDER BY l.id) FILTER (WHERE l.id IS NOT NULL), '{}'), $5,
            now() + make_interval(days => ${CONFIRMATION_DAYS})
       FROM (SELECT id FROM subscription_lists WHERE workspace_id = $2 AND id::text = ANY($4::text[])) l`,
    [input.submissionId, input.workspaceId, contactId, input.checked.listIds, input.checked.consentLevel],
  );
}

/** The lists joined and the consent set (upsertContact), with a consent record of what this submission gave. */
async function applyListsAndConsent(client: PoolClient, input: SubmissionInput, contactId: string): Promise<void> {
  const listIds = input.checked.listIds.filter((id) => UUID.test(id));
  const joined = await joinLists(client, { workspaceId: input.workspaceId, contactId, listIds });
  if (joined.length === 0 && input.checked.consentLevel === null) return;
  await client.query(
    `INSERT INTO consent_records (workspace_id, contact_id, form_id, submission_id, source, consent_level, list_ids,
       country, user_agent)
     VALUES ($1, $2, $3, $4, 'submission', $5, $6::uuid[], $7, $8)`,
    [
      ...[input.workspaceId, contactId, input.form.id, input.submissionId],
      ...[input.checked.consentLevel, joined, input.country, input.userAgent],
    ],
  );
}

/** The stored submission (its contact set), or null. */
export async function storedSubmission(
  pool: Pool,
  submissionId: string,
  workspaceId: string,
): Promise<StoredSubmission | null> {
  const { rows } = await pool.query<StoredRow>(
    `SELECT id, workspace_id, form_id, form_version, page_id, page_version, contact_id, message_id, email_id,
            email_version, journey_id, tile_id, iteration, contact_outcome, lead_id, lead_outcome,
            confirmation_pending, country, user_agent, (extract(epoch FROM created_at) * 1000)::bigint::text AS created_ms
       FROM form_submissions WHERE id = $1 AND workspace_id = $2 AND contact_id IS NOT NULL`,
    [submissionId, workspaceId],
  );
  const row = rows[0];
  return row ? fromRow(row) : null;
}

interface StoredRow {
  id: string;
  workspace_id: string;
  form_id: string;
  form_version: number;
  page_id: string | null;
  page_version: number | null;
  contact_id: string;
  message_id: string;
  email_id: string;
  email_version: number;
  journey_id: string;
  tile_id: string;
  iteration: number;
  contact_outcome: 'created' | 'updated';
  lead_id: string | null;
  lead_outcome: 'created' | 'updated' | 'none';
  confirmation_pending: boolean;
  country: string | null;
  user_agent: string | null;
  created_ms: string;
}

function fromRow(row: StoredRow): StoredSubmission {
  return {
    ...{ submissionId: row.id, workspaceId: row.workspace_id, formId: row.form_id, formVersion: row.form_version },
    ...{ pageId: row.page_id, pageVersion: row.page_version, contactId: row.contact_id },
    ...{ messageId: row.message_id, emailId: row.email_id, emailVersion: row.email_version },
    ...{ journeyId: row.journey_id, tileId: row.tile_id, iteration: row.iteration },
    ...{ contactOutcome: row.contact_outcome, leadId: row.lead_id, leadOutcome: row.lead_outcome },
    ...{ confirmationPending: row.confirmation_pending, country: row.country, userAgent: row.user_agent },
    createdAt: Number(row.created_ms),
  };
}
