import type { Pool } from 'pg';
import { inTransaction } from '../../platform/postgres/pg-pool';
import { joinLists } from '../subscriptions/subscriptions-repository';

/**
 * A double opt-in confirmation (docs/pages-and-forms.md#double-opt-in): the `form_confirmations` row a submission of
 * a form with `double_opt_in` wrote, named by the submission id that its confirmation link's token carries, with the
 * token's workspace and contact (a token never reaches another workspace's or another contact's row).
 */
export interface ConfirmationTarget {
  workspaceId: string;
  contactId: string;
  submissionId: string;
}

/** Where a confirmation stands: still open, confirmed before, expired, or gone (erased, deleted, never there). */
export type ConfirmationState = 'open' | 'confirmed' | 'expired' | 'gone';
/** What a confirming post did: applied it now, or nothing (confirmed before, expired, gone). */
export type ConfirmOutcome = 'applied' | Exclude<ConfirmationState, 'open'>;

/** The client that followed the link: its country (never its address) and its user agent. */
export interface ConfirmingClient {
  country: string | null;
  userAgent: string | null;
}

/** A user agent is kept as evidence, not parsed: at most this many characters. */
const MAX_USER_AGENT = 512;

export async function confirmationState(pool: Pool, target: ConfirmationTarget): Promise<ConfirmationState> {
  const { rows } = await pool.query<{ confirmed: boolean; expired: boolean }>(
    `SELECT confirmed_at IS NOT NULL AS confirmed, expires_at <= now() AS expired FROM form_confirmations
      WHERE submission_id = $1 AND workspace_id = $2 AND contact_id = $3`,
    [target.submissionId, target.workspaceId, target.contactId],
  );
  const row = rows[0];
  if (!row) return 'gone';
  return row.confirmed ? 'confirmed' : row.expired ? 'expired' : 'open';
}

/**
 * Applies a confirmation once, in one transaction: marks it confirmed and, only when that changed the row, joins
 * its lists (lib/domain/subscriptions, the writer of a recipient's own list choices), sets the contact's consent
 * level (when the form sets one) and writes a `consent_records` row (source `double_opt_in`). Returns 'applied', or
 * the state that kept it from changing anything.
 * NOTE: once: the UPDATE's `confirmed_at IS NULL` under the row lock lets one of two concurrent posts through; the
 * other finds it confirmed and changes nothing. An expired row is never confirmed.
 */
export async function applyConfirmation(
  pool: Pool,
  target: ConfirmationTarget,
  client: ConfirmingClient,
): Promise<ConfirmOutcome> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<{ list_ids: string[]; consent_level: number | null; form_id: string | null }>(
      `UPDATE form_confirmations c SET confirmed_at = now()
        WHERE c.submission_id = $1 AND c.workspace_id = $2 AND c.contact_id = $3
          AND c.confirmed_at IS NULL AND c.expires_at > now()
       RETURNING c.list_ids::text[] AS list_ids, c.consent_level,
                 (SELECT s.form_id::text FROM form_submissions s WHERE s.id = c.submission_id) AS form_id`,
      [target.submissionId, target.workspaceId, target.contactId],
    );
    const confirmed = rows[0];
    if (!confirmed) return settledState(db, target);
    const listIds = await joinLists(db, { ...target, listIds: confirmed.list_ids });
    if (confirmed.consent_level !== null)
      await db.query('UPDATE contacts SET consent_level = $3, updated_at = now() WHERE id = $1 AND workspace_id = $2', [
        target.contactId,
        target.workspaceId,
        confirmed.consent_level,
      ]);
    await db.query(
      `INSERT INTO consent_records (workspace_id, contact_id, form_id, submission_id, source, consent_level, list_ids, country, user_agent)
       VALUES ($1, $2, $3, $4, 'double_opt_in', $5, $6::uuid[], $7, $8)`,
      [
        target.workspaceId,
        target.contactId,
        confirmed.form_id,
        target.submissionId,
        confirmed.consent_level,
        listIds,
        client.country,
        client.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      ],
    );
    return 'applied';
  });
}

/** Why the confirming UPDATE changed nothing, read in the same transaction. */
async function settledState(
  db: Pick<Pool, 'query'>,
  target: ConfirmationTarget,
): Promise<Exclude<ConfirmationState, 'open'>> {
  const { rows } = await db.query<{ confirmed: boolean }>(
    'SELECT confirmed_at IS NOT NULL AS confirmed FROM form_confirmations WHERE submission_id = $1 AND workspace_id = $2 AND contact_id = $3',
    [target.submissionId, target.workspaceId, target.contactId],
  );
  const row = rows[0];
  return !row ? 'gone' : row.confirmed ? 'confirmed' : 'expired';
}
