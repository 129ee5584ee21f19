import type { Pool } from 'pg';
import type { AddressReport } from '../../lib/contracts/suppression/address-report';
import { failureKind } from '../../lib/platform/kafka/poison';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { applyAddressReports } from '../../services/sender/suppression.repository';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';

/** Suppression's one writer against the real PostgreSQL: what each report does, in order, once. */
let env: TestEnv;
let pool: Pool;
let workspaceId: string;

beforeAll(async () => {
  env = await createTestEnv('cairn_suppression_writer');
  pool = createPgPool(env.postgresUrl, 2);
  workspaceId = newId();
  await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [workspaceId, 'suppression writer']);
});

afterAll(async () => {
  await pool?.end();
  await env?.cleanup();
});

const at = (address: string, contactId: string | null = null) => ({
  reported_at: Date.now(),
  workspace_id: workspaceId,
  address,
  contact_id: contactId,
});
const soft = (address: string, contactId: string | null = null, id = newId()): AddressReport => ({
  ...at(address, contactId),
  report_id: id,
  outcome: 'bounce',
  bounce_class: 'soft',
  policy_block: false,
});
const hard = (address: string): AddressReport => ({
  ...at(address),
  report_id: newId(),
  outcome: 'bounce',
  bounce_class: 'hard',
  policy_block: false,
});
const delivered = (address: string): AddressReport => ({ ...at(address), report_id: newId(), outcome: 'delivered' });
const complaint = (address: string, feedbackType = 'abuse'): AddressReport => ({
  ...at(address),
  report_id: newId(),
  outcome: 'complaint',
  feedback_type: feedbackType,
});

const state = async (address: string) => {
  const count = await pool.query<{ n: number }>(
    'SELECT consecutive_soft_bounces AS n FROM address_bounce_state WHERE workspace_id = $1 AND address = $2',
    [workspaceId, address],
  );
  const row = await pool.query<{ reason: string; forever: boolean }>(
    'SELECT reason, suppressed_until IS NULL AS forever FROM address_suppressions WHERE workspace_id = $1 AND address = $2',
    [workspaceId, address],
  );
  return { soft: count.rows[0]?.n ?? null, suppression: row.rows[0] ?? null };
};

describe('the suppression writer', () => {
  it("applies one address's reports in their order: a delivery resets only what came before it", async () => {
    await applyAddressReports(pool, [
      soft('order@example.com'),
      soft('order@example.com'),
      delivered('order@example.com'),
      soft('order@example.com'),
    ]);
    expect(await state('order@example.com')).toEqual({ soft: 1, suppression: null });
  });

  it('applies a report once however often it is consumed, and suppresses at the fifth soft bounce', async () => {
    const address = 'again@example.com';
    const first = soft(address);
    await applyAddressReports(pool, [first, first]);
    await applyAddressReports(pool, [first]);
    expect(await state(address)).toEqual({ soft: 1, suppression: null });
    await applyAddressReports(pool, [soft(address), soft(address), soft(address), soft(address)]);
    expect(await state(address)).toEqual({ soft: 5, suppression: { reason: 'soft_bounces', forever: false } });
  });

  it('suppresses a hard bounce for six months and a complaint for good, never downgrading a complaint', async () => {
    await applyAddressReports(pool, [
      hard('gone@example.com'),
      complaint('angry@example.com'),
      hard('angry@example.com'),
    ]);
    const { rows } = await pool.query<{ months: number }>(
      `SELECT round(extract(epoch FROM suppressed_until - created_at) / 86400 / 30.4)::int AS months FROM address_suppressions WHERE workspace_id = $1 AND address = 'gone@example.com'`,
      [workspaceId],
    );
    expect(rows).toEqual([{ months: 6 }]);
    expect((await state('angry@example.com')).suppression).toEqual({ reason: 'complaint', forever: true });
  });

  it('changes nothing for a policy block or a not-spam report', async () => {
    await applyAddressReports(pool, [
      { ...at('policy@example.com'), report_id: newId(), outcome: 'bounce', bounce_class: 'other', policy_block: true },
      complaint('sorry@example.com', 'not-spam'),
    ]);
    expect([await state('policy@example.com'), await state('sorry@example.com')]).toEqual([
      { soft: null, suppression: null },
      { soft: null, suppression: null },
    ]);
  });

  it('records nothing for a contact erased before its report was applied', async () => {
    const erased = newId();
    const kept = newId();
    await pool.query(
      "INSERT INTO contact_erasures (workspace_id, contact_id, requested_by_key_id) VALUES ($1, $2, 'test')",
      [workspaceId, erased],
    );
    await applyAddressReports(pool, [soft('erased@example.com', erased.toUpperCase()), soft('kept@example.com', kept)]);
    expect([await state('erased@example.com'), await state('kept@example.com')]).toEqual([
      { soft: null, suppression: null },
      { soft: 1, suppression: null },
    ]);
  });

  it('refuses a report it cannot apply with a data error, which the consumer dead-letters', async () => {
    const orphan: AddressReport = { ...soft('orphan@example.com'), workspace_id: newId() };
    const error = await applyAddressReports(pool, [orphan]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failureKind(error)).toBe('data');
  });
});
