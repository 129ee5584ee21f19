import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import type { ClickHouseCommands } from '../../lib/platform/clickhouse/clickhouse-mutations';
import { eraseContact } from './erase-contact';
import { notFound } from './api-problem';
import { type ErasureStep, formSteps, scoringErasureSteps } from './erasure-steps';

// Every statement names both parameters with an explicit cast: PostgreSQL deduces a parameter's type from its
// first use, and a parameter a statement does not use is an error. As text, ids take uuid's canonical spelling,
// the one keys and payloads were written with.
const WS = '$1::uuid';
const WS_TEXT = '$1::uuid::text';
const ID = '$2::uuid';
const ID_TEXT = '$2::uuid::text';
/** jsonb array `arr` without the contact id */
const without = (arr: string): string =>
  `(SELECT coalesce(jsonb_agg(x), '[]'::jsonb) FROM jsonb_array_elements(${arr}) x WHERE x <> to_jsonb(${ID_TEXT}))`;
/** a once key (journey:tile:iteration:subject) whose subject is the contact */
const KEY_OF_CONTACT = `LIKE '%:' || ${ID_TEXT}`;
const JOURNEYS = `SELECT id FROM journeys WHERE workspace_id = ${WS}`;
/** A journey table's rows of the contact, deleted: what the engine recorded of it there. */
const journeyRows = (table: string, why: string): ErasureStep => ({
  table,
  columns: ['contact_id'],
  action: 'delete',
  why,
  sql: [`DELETE FROM ${table} WHERE journey_id IN (${JOURNEYS}) AND contact_id = ${ID}`],
});

/** The order matters: see the NOTE on eraseContactEverywhere. */
export const CONTACT_ERASURE: readonly ErasureStep[] = [
  {
    table: 'journey_contacts',
    columns: ['contact_id'],
    action: 'delete',
    why: 'where the contact is in each journey: gone, so no step claims it again (a step holding it is waited for)',
    sql: [`DELETE FROM journey_contacts WHERE journey_id IN (${JOURNEYS}) AND contact_id = ${ID}`],
  },
  {
    table: 'journey_outbox',
    columns: ['payload', 'once_key'],
    action: 'anonymise',
    why: 'side effects not relayed yet: the contact leaves the send batches, tile event groups and lead events it shares with others; its webhooks go',
    sql: [
      `UPDATE journey_outbox SET payload = jsonb_set(payload, '{contacts}', (SELECT coalesce(jsonb_agg(c), '[]'::jsonb)
         FROM jsonb_array_elements(payload->'contacts') c WHERE c->>0 <> ${ID_TEXT}))
        WHERE kind = 'send' AND payload->'common'->>'workspace_id' = ${WS_TEXT} AND payload->'contacts' @> jsonb_build_array(jsonb_build_array(${ID_TEXT}))`,
      `UPDATE journey_outbox SET payload = jsonb_set(payload, '{groups}', (SELECT coalesce(jsonb_agg(jsonb_set(g, '{5}', ${without('g->5')})), '[]'::jsonb)
         FROM jsonb_array_elements(payload->'groups') g WHERE g->5 <> jsonb_build_array(${ID_TEXT})))
        WHERE kind = 'events' AND payload->>'workspace_id' = ${WS_TEXT} AND payload->'groups' @> jsonb_build_array(jsonb_build_array(jsonb_build_array(${ID_TEXT})))`,
      `UPDATE journey_outbox SET payload = jsonb_set(payload, '{leads}', (SELECT coalesce(jsonb_agg(l), '[]'::jsonb)
         FROM jsonb_array_elements(payload->'leads') l WHERE l->>'contact_id' <> ${ID_TEXT} AND l->>'once_key' NOT ${KEY_OF_CONTACT}))
        WHERE kind = 'leads' AND payload->>'workspace_id' = ${WS_TEXT} AND strpos(payload->>'leads', ${ID_TEXT}) > 0`,
      `DELETE FROM journey_outbox WHERE (kind = 'send' AND payload->'contacts' = '[]'::jsonb) OR (kind = 'events' AND payload->'groups' = '[]'::jsonb)
          OR (kind = 'leads' AND payload->'leads' = '[]'::jsonb)
          OR (kind = 'webhook' AND payload->>'workspace_id' = ${WS_TEXT} AND (payload->'body'->>'contact_id' = ${ID_TEXT} OR once_key ${KEY_OF_CONTACT}))`,
    ],
  },
  {
    table: 'journey_outbox_dead_letters',
    columns: ['payload', 'once_key'],
    action: 'delete',
    why: "outbox rows the relay could not read that mention the contact (docs/messages.md#unreadable-messages); a row whose workspace could not be read goes too, since a contact's id names that contact only",
    sql: [
      `DELETE FROM journey_outbox_dead_letters WHERE (workspace_id = ${WS_TEXT} OR workspace_id IS NULL)
          AND (strpos(payload::text, ${ID_TEXT}) > 0 OR once_key ${KEY_OF_CONTACT})`,
    ],
  },
  journeyRows('journey_engagements', "the contact's opens and clicks of journey emails (what triggers wake on)"),
  journeyRows(
    'journey_web_engagements',
    'form submissions and page visits of the contact recorded at the triggers waiting for them (docs/scheduler.md#inbound-journeys)',
  ),
  journeyRows('journey_goals', "the contact's reaching of journey goals (docs/scheduler.md#goal)"),
  journeyRows('journey_ab_sends', 'the A/B test variant the contact was sent (docs/scheduler.md#ab-test)'),
  {
    table: 'frequency_cap_counters',
    columns: ['contact_id'],
    action: 'delete',
    why: 'when the frequency cap last let commercial email reach the contact (docs/scheduler.md#frequency-cap); after journey_contacts, so a step holding the contact has committed its slot',
    sql: [`DELETE FROM frequency_cap_counters WHERE workspace_id = ${WS} AND contact_id = ${ID}`],
  },
  {
    table: 'journey_webhook_dead_letters',
    columns: ['payload', 'once_key'],
    action: 'delete',
    why: 'launch-workflow webhooks about the contact that failed every retry: their body names the contact',
    sql: [
      `DELETE FROM journey_webhook_dead_letters WHERE workspace_id = ${WS} AND (payload->>'contact_id' = ${ID_TEXT} OR once_key ${KEY_OF_CONTACT})`,
    ],
  },
  ...(['tasks', 'leads'] as const).map((table): ErasureStep => ({
    table,
    columns: ['contact_id', 'once_key'],
    action: 'anonymise',
    why: `${table} stay (docs/api.md): the contact and its once key (journey:tile:iteration:contact) are nulled; an account's key names the account and stays`,
    sql: [
      `UPDATE ${table} SET contact_id = NULL, once_key = CASE WHEN once_key ${KEY_OF_CONTACT} THEN NULL ELSE once_key END
          WHERE workspace_id = ${WS} AND (contact_id = ${ID} OR once_key ${KEY_OF_CONTACT})`,
    ],
  })),
  {
    table: 'list_memberships',
    columns: ['contact_id'],
    action: 'delete',
    why: 'subscriptions (also cascaded by the contact row)',
    sql: [`DELETE FROM list_memberships WHERE workspace_id = ${WS} AND contact_id = ${ID}`],
  },
  {
    table: 'segment_members',
    columns: ['contact_id'],
    action: 'delete',
    why: 'segment memberships (also cascaded by the contact row)',
    sql: [
      `DELETE FROM segment_members WHERE segment_id IN (SELECT id FROM segments WHERE workspace_id = ${WS}) AND contact_id = ${ID}`,
    ],
  },
  {
    table: 'engagement_recipients',
    columns: ['contact_id'],
    action: 'delete',
    why: "the contact's copies of one-to-one messages; a message left without recipients is cancelled if still scheduled, and its pending reminders with it",
    sql: [
      `WITH gone AS (DELETE FROM engagement_recipients WHERE message_id IN (SELECT id FROM engagement_messages WHERE workspace_id = ${WS}) AND contact_id = ${ID} RETURNING message_id),
            orphaned AS (SELECT DISTINCT g.message_id FROM gone g
                          WHERE NOT EXISTS (SELECT 1 FROM engagement_recipients r WHERE r.message_id = g.message_id AND r.contact_id <> ${ID})),
            cancelled AS (UPDATE engagement_messages m SET state = 'cancelled', updated_at = now() FROM orphaned o WHERE m.id = o.message_id AND m.state = 'scheduled')
       UPDATE engagement_reminders x SET state = 'cancelled', decided_at = now(), updated_at = now() FROM orphaned o WHERE x.message_id = o.message_id AND x.state = 'pending'`,
    ],
  },
  {
    table: 'engagement_replies',
    columns: ['contact_id'],
    action: 'delete',
    why: "the contact's replies",
    sql: [`DELETE FROM engagement_replies WHERE workspace_id = ${WS} AND contact_id = ${ID}`],
  },
  {
    table: 'engagement_messages',
    columns: ['regarding_id'],
    action: 'anonymise',
    why: 'a message regarding the contact stays (its owner sent it) without saying whom it regarded',
    sql: [
      `UPDATE engagement_messages SET regarding_type = NULL, regarding_id = NULL, updated_at = now() WHERE workspace_id = ${WS} AND regarding_type = 'contact' AND regarding_id = ${ID}`,
    ],
  },
  {
    table: 'address_bounce_state',
    columns: [],
    action: 'delete',
    why: "the contact address's soft-bounce count, read before the contact row goes (address_suppressions keeps a suppressed address: the record that it must not be mailed)",
    sql: [
      `DELETE FROM address_bounce_state WHERE workspace_id = ${WS} AND address = (SELECT lower(email) FROM contacts WHERE workspace_id = ${WS} AND id = ${ID})`,
    ],
  },
  ...formSteps(WS, ID),
  ...scoringErasureSteps(WS, WS_TEXT, ID, ID_TEXT),
  {
    table: 'contacts',
    columns: ['id'],
    action: 'delete',
    why: 'the contact itself, after the steps that find rows through it',
    sql: [`DELETE FROM contacts WHERE workspace_id = ${WS} AND id = ${ID}`],
  },
  {
    table: 'sender_deliveries',
    columns: ['contact_id', 'delivery_key', 'request', 'outcome'],
    action: 'delete',
    why: "the sender's ledger rows of the contact (and of its forwards): a key cannot be sent twice without them, because every request for it names an erased contact and the sender forgets those before SMTP",
    sql: [`DELETE FROM sender_deliveries WHERE contact_id = ${ID_TEXT} AND workspace_id = ${WS}`],
  },
  {
    table: 'contact_erasures',
    columns: ['contact_id'],
    action: 'keep',
    why: 'the erasure record: no personal data, and what ingest, the scheduler and the sender read to record and do nothing for the contact',
    sql: [],
  },
];

export type ContactErasure = {
  id: string;
  contact_id: string;
  requested_by_key_id: string;
  requested_at: string;
  postgres_erased_at: string | null;
  clickhouse_erased_at: string | null;
  clickhouse_raw_events: number | null;
  resweep_at: string | null;
};

const COLUMNS =
  'id, contact_id, requested_by_key_id, requested_at, postgres_erased_at, clickhouse_erased_at, clickhouse_raw_events::int AS clickhouse_raw_events, resweep_at';

async function erasePostgres(client: PoolClient, params: [workspaceId: string, contactId: string]): Promise<void> {
  for (const step of CONTACT_ERASURE) for (const statement of step.sql) await client.query(statement, params);
}

/**
 * Erases a contact from every PostgreSQL table (CONTACT_ERASURE) and from ClickHouse (raw events, timeline, and
 * the KPI cells it touched, rebuilt), recording each step in contact_erasures; `resweepSeconds` > 0 schedules the
 * second pass (erasure-resweep.ts).
 * NOTE: resumable and idempotent: the record and the PostgreSQL steps commit together, ClickHouse follows; a call
 * after a ClickHouse failure finds the record and finishes the job, and any later call runs every step again
 * (rows written meanwhile for the contact) and sweeps ClickHouse again (events that were still in Kafka), adding
 * what it erased to the record. journey_contacts goes first: a journey step holding the contact commits before
 * the outbox is scrubbed, so its side effects are seen. The ledger goes last: a send claimed while this runs is
 * then either seen here or forgotten by the sender, which reads the committed record. Another workspace's
 * contact is a 404 like a missing one.
 */
export async function eraseContactEverywhere(
  deps: { pool: Pool; clickhouse: ClickHouseCommands },
  target: { workspaceId: string; contactId: string; keyId: string },
  options: { resweepSeconds: number },
): Promise<ContactErasure> {
  const { workspaceId, contactId } = target;
  const found = await inTransaction(deps.pool, async (client) => {
    // No row lock here: a journey step holding the contact's position inserts tasks referencing it (a key-share
    // lock on this row) while the DELETE of journey_contacts below waits for that step.
    const contact = await client.query('SELECT 1 FROM contacts WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      contactId,
    ]);
    if (contact.rowCount)
      await client.query(
        `INSERT INTO contact_erasures (workspace_id, contact_id, requested_by_key_id, postgres_erased_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (workspace_id, contact_id) DO UPDATE SET postgres_erased_at = now(), clickhouse_erased_at = NULL`,
        [workspaceId, contactId, target.keyId],
      );
    const record = await client.query(
      'SELECT 1 FROM contact_erasures WHERE workspace_id = $1 AND contact_id = $2 FOR UPDATE',
      [workspaceId, contactId],
    );
    if (!record.rowCount) return false;
    await erasePostgres(client, [workspaceId, contactId]);
    if (options.resweepSeconds > 0)
      await client.query(
        'UPDATE contact_erasures SET resweep_at = now() + make_interval(secs => $3) WHERE workspace_id = $1 AND contact_id = $2',
        [workspaceId, contactId, options.resweepSeconds],
      );
    return true;
  });
  if (!found) throw notFound('contact');
  const { rawEvents } = await eraseContact(deps.clickhouse, { workspaceId, contactId });
  const { rows } = await deps.pool.query<ContactErasure>(
    `UPDATE contact_erasures SET clickhouse_erased_at = now(), clickhouse_raw_events = coalesce(clickhouse_raw_events, 0) + $3
      WHERE workspace_id = $1 AND contact_id = $2 RETURNING ${COLUMNS}`,
    [workspaceId, contactId, rawEvents],
  );
  return rows[0] as ContactErasure;
}
