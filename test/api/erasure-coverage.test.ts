import type { Pool } from 'pg';
import { CONTACT_ERASURE } from '../../services/api/contact-erasure';
import { client, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';
import { buildFootprint } from './erasure-footprint';

// Issue 20, defect 11: erasure reaches every table that holds a contact id, and a new one cannot be forgotten.

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

/**
 * Columns that hold a contact id though neither their name nor a foreign key says so: the contact's own key, keys
 * built from it (journey:tile:iteration:contact), JSON payloads that carry it, and a polymorphic reference.
 * A new table of that kind must be added here as well as to CONTACT_ERASURE.
 */
const NON_OBVIOUS: Record<string, string[]> = {
  contacts: ['id'],
  journey_outbox: ['payload', 'once_key'],
  journey_webhook_dead_letters: ['payload', 'once_key'],
  journey_outbox_dead_letters: ['payload', 'once_key'],
  sender_deliveries: ['delivery_key', 'request', 'outcome'],
  tasks: ['once_key'],
  leads: ['once_key'],
  engagement_messages: ['regarding_id'],
  lead_score_entries: ['entry_key'],
};

type Column = `${string}.${string}`;

/** Every column the schema says holds a contact id: named like one, or a foreign key to contacts, plus NON_OBVIOUS. */
async function contactColumns(pool: Pool): Promise<Set<Column>> {
  const { rows } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() AND c.column_name LIKE '%contact%'
     UNION
     SELECT cl.relname, a.attname FROM pg_constraint k
       JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
      WHERE k.contype = 'f' AND k.confrelid = 'contacts'::regclass`,
  );
  const named = rows.map((r): Column => `${r.table_name}.${r.column_name}`);
  const listed = Object.entries(NON_OBVIOUS).flatMap(([table, columns]) => columns.map((c): Column => `${table}.${c}`));
  return new Set([...named, ...listed]);
}

const covered = new Set(CONTACT_ERASURE.flatMap((step) => step.columns.map((c): Column => `${step.table}.${c}`)));

async function tables(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name).filter((name) => /^[a-z_][a-z0-9_]*$/.test(name));
}

/** Rows of each table whose text (every column, JSON and keys included) contains the id. */
async function rowsHolding(pool: Pool, names: string[], id: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of names) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${name}" t WHERE t::text LIKE '%' || $1 || '%'`,
      [id],
    );
    counts[name] = rows[0]?.n ?? 0;
  }
  return counts;
}

describe('contact erasure coverage', () => {
  it('covers every column the schema says holds a contact id, and names no column the schema lacks', async () => {
    const schema = await contactColumns(kit.pool);
    expect([...schema].filter((column) => !covered.has(column)).sort()).toEqual([]);
    const { rows } = await kit.pool.query<{ column: Column }>(
      "SELECT table_name || '.' || column_name AS column FROM information_schema.columns WHERE table_schema = current_schema()",
    );
    const existing = new Set(rows.map((r) => r.column));
    expect([...covered].filter((column) => !existing.has(column))).toEqual([]);
    for (const step of CONTACT_ERASURE)
      expect([step.table, step.action === 'keep' || step.sql.length > 0]).toEqual([step.table, true]);
  });

  it('leaves no row holding the id in any table after erasing a contact that had rows in every covered table, and touches no one else', async () => {
    const ws = await createWorkspace(kit, 'erasure-coverage');
    const api = client(kit, ws.key);
    const contact = async (email: string) => (await api('POST', '/v1/contacts', { email })).json().id as string;
    const [erased, kept] = [await contact('gone@example.com'), await contact('stays@example.com')];
    const footprint = await buildFootprint(kit.pool, api, ws.id, { erased, kept });
    const all = await tables(kit.pool);
    const kept_ = new Set(CONTACT_ERASURE.filter((s) => s.action === 'keep').map((s) => s.table));
    const erasable = [
      ...new Set(CONTACT_ERASURE.filter((s) => s.columns.length > 0 && s.action !== 'keep').map((s) => s.table)),
    ];

    const before = await rowsHolding(kit.pool, all, erased);
    // The fixture reaches every covered table, so the scan below proves something for each of them.
    expect(erasable.filter((table) => !before[table])).toEqual([]);
    const bystander = await rowsHolding(kit.pool, all, kept);

    const res = await api('POST', `/v1/contacts/${erased}/erasure`);
    expect(res.statusCode).toBe(200);
    expect(res.json().resweep_at).toEqual(expect.any(String));

    const after = await rowsHolding(
      kit.pool,
      all.filter((t) => !kept_.has(t)),
      erased,
    );
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(await rowsHolding(kit.pool, all, kept)).toEqual(bystander);

    // What stays, without the contact: tasks and leads (docs/api.md), the messages, the erasure record.
    const stay = await kit.pool.query<{ tasks: number; leads: number; messages: number; record: number }>(
      `SELECT (SELECT count(*)::int FROM tasks WHERE journey_id = $1 AND contact_id IS NULL AND once_key IS NULL) AS tasks,
              (SELECT count(*)::int FROM leads WHERE journey_id = $1 AND contact_id IS NULL AND once_key IS NULL) AS leads,
              (SELECT count(*)::int FROM engagement_messages WHERE workspace_id = $2) AS messages,
              (SELECT count(*)::int FROM contact_erasures WHERE contact_id = $3) AS record`,
      [footprint.journeyId, ws.id, erased],
    );
    expect(stay.rows[0]).toEqual({ tasks: 2, leads: 2, messages: 2, record: 1 });
    // A message left without recipients is not sent and reminds no one; the shared one goes on for the other.
    const states = await kit.pool.query<{ id: string; state: string; reminder: string }>(
      'SELECT m.id::text, m.state, r.state AS reminder FROM engagement_messages m JOIN engagement_reminders r ON r.message_id = m.id WHERE m.workspace_id = $1',
      [ws.id],
    );
    expect(Object.fromEntries(states.rows.map((r) => [r.id, [r.state, r.reminder]]))).toEqual({
      [footprint.messages.alone]: ['cancelled', 'cancelled'],
      [footprint.messages.shared]: ['scheduled', 'pending'],
    });
    const bounces = await kit.pool.query<{ address: string }>(
      'SELECT address FROM address_bounce_state WHERE workspace_id = $1',
      [ws.id],
    );
    expect(bounces.rows).toEqual([{ address: 'stays@example.com' }]);
  });
});
