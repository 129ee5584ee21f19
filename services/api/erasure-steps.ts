/**
 * Erasure steps of features with tables of their own (CONTACT_ERASURE in contact-erasure.ts runs them in its
 * order), each statement with $1 the workspace id and $2 the contact id, as `ws`/`id` (uuid) and `wsText`/`idText`.
 */

/**
 * What erasure does to one PostgreSQL table that holds a contact id. `columns` are the columns that hold the id,
 * or text and JSON built from it (keys, payloads): test/api/erasure-coverage.test.ts derives every such column
 * from the schema and fails when one is in no step, so a new table cannot be forgotten. Add yours to CONTACT_ERASURE
 * (contact-erasure.ts).
 */
export interface ErasureStep {
  table: string;
  columns: readonly string[];
  /** delete: the rows go; anonymise: the rows stay for what they count, without the id; keep: see `why` */
  action: 'delete' | 'anonymise' | 'keep';
  why: string;
  /** run in order, in the erasure's transaction, with $1 the workspace id and $2 the contact id (each statement casts both) */
  sql: readonly string[];
}

/**
 * Lead scoring's part of contact erasure (docs/lead-scoring.md#erasure): the contact's scores and ledger entries
 * go (an attribute entry's key names the contact too), and its crossings not relayed yet leave the outbox. The
 * scheduler scores no erased contact afterwards (it reads contact_erasures under the score's lock).
 */
export function scoringErasureSteps(ws: string, wsText: string, id: string, idText: string): ErasureStep[] {
  return [
    {
      table: 'lead_scores',
      columns: ['contact_id'],
      action: 'delete',
      why: "the contact's lead score under each scoring model version",
      sql: [`DELETE FROM lead_scores WHERE workspace_id = ${ws} AND contact_id = ${id}`],
    },
    {
      table: 'lead_score_entries',
      columns: ['contact_id', 'entry_key'],
      action: 'delete',
      why: "the ledger of the contact's scored events and attribute points (entry_key 'attribute:<contact>')",
      sql: [`DELETE FROM lead_score_entries WHERE workspace_id = ${ws} AND contact_id = ${id}`],
    },
    {
      table: 'journey_outbox',
      columns: ['payload'],
      action: 'anonymise',
      why: 'lead score crossings not relayed yet: a row of its crossings alone goes, it leaves the others',
      sql: [
        // rows of the contact's crossings alone go first; then the contact leaves the others
        `DELETE FROM journey_outbox WHERE kind = 'lead_scores' AND payload->>'workspace_id' = ${wsText}
          AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(payload->'crossings') x WHERE x->>'contact_id' <> ${idText})`,
        `UPDATE journey_outbox SET payload = jsonb_set(payload, '{crossings}', (SELECT coalesce(jsonb_agg(x), '[]'::jsonb)
           FROM jsonb_array_elements(payload->'crossings') x WHERE x->>'contact_id' <> ${idText}))
          WHERE kind = 'lead_scores' AND payload->>'workspace_id' = ${wsText} AND strpos(payload->>'crossings', ${idText}) > 0`,
      ],
    },
  ];
}

/**
 * Forms (docs/pages-and-forms.md): the contact's pending double opt-in confirmations and consent records go; its
 * submissions stay for what they count (submissions of a form, contacts created or updated, leads) without the
 * contact, its answers (the address among them) or its client's country and user agent. Before the contact row,
 * whose deletion would cascade to its submissions.
 */
export function formSteps(ws: string, id: string): ErasureStep[] {
  return [
    {
      table: 'form_confirmations',
      columns: ['contact_id'],
      action: 'delete',
      why: 'pending double opt-in confirmations: never confirmed, never mailed again',
      sql: [`DELETE FROM form_confirmations WHERE workspace_id = ${ws} AND contact_id = ${id}`],
    },
    {
      table: 'consent_records',
      columns: ['contact_id'],
      action: 'delete',
      why: "the contact's consent records (when, which form, country and user agent)",
      sql: [`DELETE FROM consent_records WHERE workspace_id = ${ws} AND contact_id = ${id}`],
    },
    {
      table: 'form_submissions',
      // contact_outcome holds 'created' or 'updated', no id: named here because its name says contact
      columns: ['contact_id', 'contact_outcome'],
      action: 'anonymise',
      why: 'a submission stays for the form insights, without the contact, its answers, country or user agent',
      sql: [
        `UPDATE form_submissions SET contact_id = NULL, fields = '{}'::jsonb, country = NULL, user_agent = NULL
          WHERE workspace_id = ${ws} AND contact_id = ${id}`,
      ],
    },
  ];
}
