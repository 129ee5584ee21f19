/**
 * Whether a contact may be followed (docs/engagement.md#followed-messages-and-do-not-allow), as one SQL boolean
 * over a `contacts` row aliased `c`: its own Follow Email setting, its account's and every one of its leads'. One
 * Do Not Allow among them is enough; the sender, the API's one-to-one messages and ingest's policy read this one
 * rule (ingest as the set of contacts it refuses, DO_NOT_FOLLOW_CONTACTS_SQL).
 * NOTE: every record is read within the contact's own workspace.
 */
export const followAllowedSql = (c: string): string =>
  `(${c}.allow_follow_email
    AND NOT EXISTS (SELECT 1 FROM accounts fa
                     WHERE fa.id = ${c}.account_id AND fa.workspace_id = ${c}.workspace_id AND NOT fa.allow_follow_email)
    AND NOT EXISTS (SELECT 1 FROM leads fl
                     WHERE fl.contact_id = ${c}.id AND fl.workspace_id = ${c}.workspace_id AND NOT fl.allow_follow_email))`;

/** The ids of contacts not to follow, for a reload: each clause reads one of the partial indexes of PostgreSQL 0290. */
export const DO_NOT_FOLLOW_CONTACTS_SQL = `SELECT id::text AS id FROM contacts WHERE NOT allow_follow_email
  UNION SELECT c.id::text FROM accounts a JOIN contacts c ON c.account_id = a.id AND c.workspace_id = a.workspace_id
         WHERE NOT a.allow_follow_email
  UNION SELECT l.contact_id::text FROM leads l JOIN contacts c ON c.id = l.contact_id AND c.workspace_id = l.workspace_id
         WHERE NOT l.allow_follow_email`;
