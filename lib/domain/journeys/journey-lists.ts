import type { JourneyGraph, JourneySettings } from './journey-graph';

/**
 * The subscription lists a journey protects: its `settings.list_id` and every list a segment tile targets
 * (`config.list_ids`). A contact who unsubscribed from any of them is blocked before every tile (the scheduler)
 * and just before every message (the sender): docs/scheduler.md#blocking. One rule for both, here.
 */
export function protectedListIds(
  graph: Pick<JourneyGraph, 'tiles'> | null | undefined,
  settings: Pick<JourneySettings, 'list_id'> | null | undefined,
): string[] {
  const ids = new Set<string>();
  if (typeof settings?.list_id === 'string') ids.add(settings.list_id);
  for (const tile of graph?.tiles ?? []) {
    const listIds = tile.type === 'segment' ? tile.config?.list_ids : undefined;
    if (!Array.isArray(listIds)) continue;
    for (const id of listIds) if (typeof id === 'string') ids.add(id);
  }
  return [...ids].sort();
}

/**
 * A LATERAL subquery with one row (`unsubscribed` true) when `contact` unsubscribed from one of the lists in `lists`
 * (a uuid[] expression) by its own act; join it `LEFT JOIN LATERAL ... AS alias ON true` and read
 * `alias.unsubscribed IS NOT NULL`. An operator's removal by hand (`removed_by_hand`) is not an unsubscribe: the
 * contact stays on journeys in flight. A primary-key probe per list (LIMIT keeps the planner from hashing the lists'
 * whole membership for a batch of contacts).
 */
export function unsubscribedProbeSql(lists: string, contact: string): string {
  return `(SELECT true AS unsubscribed FROM list_memberships u
            WHERE u.list_id = ANY(${lists}) AND u.contact_id = ${contact}
              AND u.unsubscribed_at IS NOT NULL AND NOT u.removed_by_hand LIMIT 1)`;
}
