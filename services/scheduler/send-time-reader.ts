import type { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { sql, tuple } from '../../lib/platform/clickhouse/sql';
import type { EngagementSlot } from '../../lib/domain/engagement/send-time';
import type { Logger } from '../../lib/platform/logger';

// The engagement history send-time optimisation reads from ClickHouse (docs/scheduler.md#send-time-optimisation).

/** How far back opens and clicks count, and the slot they are counted in (15 minutes: zones off by :30 and :45). */
const LOOKBACK_DAYS = 90;
const SLOT_S = 900;
const TIMEOUT_MS = 5_000;

export interface SendTimeHistory {
  /** each contact's human opens and clicks per slot; a contact without any is absent */
  contacts: Map<string, EngagementSlot[]>;
  /** every human open and click of the workspace per slot */
  workspace: EngagementSlot[];
}

/** The history of a workspace's contacts up to `now`, or null when ClickHouse did not answer in time. */
export type SendTimeReader = (
  workspaceId: string,
  contactIds: string[],
  now: number,
) => Promise<SendTimeHistory | null>;

interface SlotRow {
  contact_id?: string;
  slot: string | number;
  events: string | number;
}

const slotOf = (r: SlotRow): EngagementSlot => ({ at: Number(r.slot) * 1000, events: Number(r.events) });

export function clickhouseSendTimes(ch: ClickHouse, log: Logger): SendTimeReader {
  return async (workspaceId, contactIds, now) => {
    const since = sql`toDateTime(${Math.floor(now / 1000) - LOOKBACK_DAYS * 86_400})`;
    const until = sql`toDateTime(${Math.floor(now / 1000)})`;
    const human = sql`event_type IN ('open', 'click') AND machine = 0 AND event_date >= toDate(${since}) AND event_time >= ${since} AND event_time < ${until}`;
    const read = async (): Promise<SendTimeHistory> => {
      // contact_events is sorted by (workspace, contact): one range read per contact; uniqExact folds replays
      const perContact = await ch.rows<SlotRow>(sql`
        SELECT contact_id, intDiv(toUInt32(event_time), ${SLOT_S}) * ${SLOT_S} AS slot, uniqExact(event_id) AS events
        FROM contact_events WHERE workspace_id = ${workspaceId} AND contact_id IN ${tuple(contactIds)} AND ${human}
        GROUP BY contact_id, slot`);
      const workspace = await ch.rows<SlotRow>(sql`
        SELECT intDiv(toUInt32(event_time), ${SLOT_S}) * ${SLOT_S} AS slot, count() AS events
        FROM events_raw WHERE workspace_id = ${workspaceId} AND ${human} GROUP BY slot`);
      const contacts = new Map<string, EngagementSlot[]>();
      for (const r of perContact) {
        const id = String(r.contact_id ?? '');
        contacts.set(id, [...(contacts.get(id) ?? []), slotOf(r)]);
      }
      return { contacts, workspace: workspace.map((r) => slotOf(r)) };
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), TIMEOUT_MS)));
    try {
      const history = await Promise.race([read(), timeout]);
      if (history === null) log.warn({ workspaceId }, 'send_time_history_timeout');
      return history;
    } catch (error) {
      log.warn({ workspaceId, err: (error as Error).message }, 'send_time_history_failed');
      return null;
    } finally {
      clearTimeout(timer);
    }
  };
}
