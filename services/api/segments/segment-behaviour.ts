import type { ClickHouse } from '../../../lib/platform/clickhouse/clickhouse-client';
import { contactsWhoDid } from '../insights/insights-queries';
import { behaviourConditions, behaviourKey, type BehaviourAnswers } from './segment-filter';

/** Contact ids per query; not_opened / not_clicked take the complement, so the set must be complete. */
const MAX_CONTACTS = 1_000_000;

/**
 * Behaviour conditions are answered by ClickHouse through the insights module: the contacts with a human
 * (machine = 0) open or click of the email in the last N days. not_opened / not_clicked are the complement
 * within the workspace (compiled as NOT IN by segment-filter).
 */
export async function resolveBehaviour(
  ch: ClickHouse,
  workspaceId: string,
  filter: unknown,
): Promise<BehaviourAnswers> {
  const answers = new Map<string, string[]>();
  for (const condition of behaviourConditions(filter)) {
    const key = behaviourKey(condition);
    if (answers.has(key)) continue;
    const ids = await contactsWhoDid(ch, {
      workspaceId,
      eventType: condition.behaviour.endsWith('opened') ? 'open' : 'click',
      emailId: condition.email_id,
      withinDays: condition.within_days,
      limit: MAX_CONTACTS,
    });
    answers.set(
      key,
      ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id)),
    );
  }
  return answers;
}
