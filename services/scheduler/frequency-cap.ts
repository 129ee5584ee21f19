import type { PoolClient } from 'pg';

const HOUR_MS = 3_600_000;

/** At most `max_sends` commercial emails per contact in any `window_hours` rolling hours (docs/scheduler.md#frequency-cap). */
export interface FrequencyCapRule {
  max_sends: number;
  window_hours: number;
}

const isRule = (value: unknown): value is FrequencyCapRule =>
  typeof value === 'object' &&
  value !== null &&
  'max_sends' in value &&
  'window_hours' in value &&
  Number.isInteger(value.max_sends) &&
  Number.isInteger(value.window_hours) &&
  Number(value.window_hours) > 0;

/** The workspace's rules as PostgreSQL holds them (the API validated them); anything else caps nothing. */
export function capRulesOf(value: unknown): FrequencyCapRule[] {
  return Array.isArray(value) ? value.filter(isRule) : [];
}

/** Whether one more send at `now` keeps every rule, given the contact's earlier send times (epoch ms). */
export function capAllows(sentAt: readonly number[], rules: readonly FrequencyCapRule[], now: number): boolean {
  return rules.every((rule) => sentAt.filter((t) => t > now - rule.window_hours * HOUR_MS).length < rule.max_sends);
}

/**
 * Takes a slot of the workspace's frequency cap for each contact that has one left at `now`, and returns those
 * contacts; the others are capped.
 *
 * NOTE: exactly once across journeys and replicas. This runs in the step's transaction, the one that writes the
 * sends to the outbox (step-effects.ts). The upsert locks each contact's counter row (created on first use) in
 * contact id order, so two steps that hold the same contacts lock them in the same order (no deadlock), and
 * ON CONFLICT DO UPDATE reads the latest committed version: the second transaction sees the first one's slot, or
 * waits for its COMMIT (a rollback takes the slot back with the send). Two journeys, or two scheduler replicas,
 * sending to one contact at the same moment therefore cannot both take its last slot.
 */
export async function takeCapSlots(
  client: PoolClient,
  workspaceId: string,
  rules: readonly FrequencyCapRule[],
  contactIds: readonly string[],
  now: number,
): Promise<Set<string>> {
  const ids = [...new Set(contactIds.map((id) => id.toLowerCase()))].sort();
  if (rules.length === 0 || ids.length === 0) return new Set(ids);
  const { rows } = await client.query<{ contact_id: string; sent_at: Date[] }>(
    `INSERT INTO frequency_cap_counters (workspace_id, contact_id) SELECT $1::uuid, c FROM unnest($2::uuid[]) WITH ORDINALITY AS x(c, n) ORDER BY n
     ON CONFLICT (workspace_id, contact_id) DO UPDATE SET sent_at = frequency_cap_counters.sent_at
     RETURNING contact_id::text, sent_at`,
    [workspaceId, ids],
  );
  const allowed = rows.filter((r) =>
    capAllows(
      r.sent_at.map((d) => d.getTime()),
      rules,
      now,
    ),
  );
  // The row keeps the sends inside the longest window, plus this one.
  const longest = Math.max(...rules.map((r) => r.window_hours)) * HOUR_MS;
  if (allowed.length > 0)
    await client.query(
      `UPDATE frequency_cap_counters f
       SET sent_at = array_append(ARRAY(SELECT t FROM unnest(f.sent_at) AS t WHERE t > $3::timestamptz ORDER BY t), $4::timestamptz)
       WHERE f.workspace_id = $1 AND f.contact_id = ANY($2::uuid[])`,
      [
        workspaceId,
        allowed.map((r) => r.contact_id),
        new Date(now - longest).toISOString(),
        new Date(now).toISOString(),
      ],
    );
  return new Set(allowed.map((r) => r.contact_id));
}
