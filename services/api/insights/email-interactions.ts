import { CairnError } from '../../../lib/platform/errors';
import { join, sql, tuple, type Sql } from '../../../lib/platform/clickhouse/sql';
import { COUNTED_FEEDBACK_TYPES } from '../../../lib/domain/bounces/feedback-types';
import { checkedTimeZone, emailFilterParts, num, type EmailFilter, type QueryRunner } from './insights-filters';
import { contactCondition } from './kpi-source';

/*
 * The Interactions view (docs/kpis.md#insights-views: the recipients each KPI counted, and one message's timeline),
 * read from events_raw. Each list holds exactly the messages its KPI counts in
 * email-kpis.ts (the glossary test checks every list's size against the KPI card on the same stream): an event
 * condition per KPI, written with the 0130 view's mapping (suppressed attempts as hard bounce / feedback loop,
 * attachments apart from clicks, machine traffic out of the human KPIs) and the one decision of which ARF types
 * Feedback loops counts (lib/domain/bounces/feedback-types.ts).
 */
const COUNTED_COMPLAINT = sql`(event_type = 'complaint' AND lower(reason) IN ${tuple([...COUNTED_FEEDBACK_TYPES])})`;
const SENT = sql`(event_type IN ('send', 'bounce') OR ${COUNTED_COMPLAINT} OR (event_type = 'blocked' AND reason IN ('suppressed_bounce', 'suppressed_complaint')))`;
const BOUNCED = sql`(event_type = 'bounce' OR (event_type = 'blocked' AND reason = 'suppressed_bounce'))`;
const HUMAN_OPEN = sql`(event_type = 'open' AND machine = 0)`;

/** A KPI's messages: those with an event matching include, minus those with any event matching exclude. */
interface InteractionKpiSpec {
  include: Sql;
  exclude?: Sql;
}

export const INTERACTION_KPIS: Record<string, InteractionKpiSpec> = {
  sent: { include: SENT },
  delivered: { include: SENT, exclude: BOUNCED },
  did_not_open: { include: SENT, exclude: sql`(${BOUNCED} OR ${HUMAN_OPEN})` },
  blocked: { include: sql`(event_type = 'blocked' AND reason NOT IN ('suppressed_bounce', 'suppressed_complaint'))` },
  bounced: { include: BOUNCED },
  bounced_hard: {
    include: sql`((event_type = 'bounce' AND bounce_class = 'hard') OR (event_type = 'blocked' AND reason = 'suppressed_bounce'))`,
  },
  bounced_soft: { include: sql`(event_type = 'bounce' AND bounce_class = 'soft')` },
  bounced_other: { include: sql`(event_type = 'bounce' AND bounce_class NOT IN ('hard', 'soft'))` },
  opened: { include: HUMAN_OPEN },
  clicked: { include: sql`(event_type = 'click' AND link_kind != 'attachment' AND machine = 0)` },
  attachment_viewed: { include: sql`(event_type = 'click' AND link_kind = 'attachment' AND machine = 0)` },
  forwarded: { include: sql`(event_type = 'forward' AND machine = 0)` },
  unsubscribed: { include: sql`(event_type = 'unsubscribe' AND machine = 0)` },
  complained: {
    include: sql`(${COUNTED_COMPLAINT} OR (event_type = 'blocked' AND reason = 'suppressed_complaint'))`,
  },
  sending_failed: { include: sql`(event_type = 'sending_failed')`, exclude: SENT },
};

export const INTERACTION_KPI_NAMES = Object.keys(INTERACTION_KPIS);
export type InteractionKpi = string;

export interface RecipientFilter extends EmailFilter {
  kpi: InteractionKpi;
  /** clicked: only this link */
  linkId?: string;
  /** blocked: only this reason */
  reason?: string;
  /** keyset: the last (contact_id, message_id) of the previous page */
  after?: { contactId: string; messageId: string };
  limit: number;
}

/** A type, not an interface: the API's typed replies take it as a JSON object (implicit index signature). */
export type Recipient = {
  contactId: string;
  messageId: string;
  firstAt: string;
  lastAt: string;
  /** distinct events of this KPI on the message */
  events: number;
  /** forwarded: the addresses submitted; otherwise equal to events */
  units: number;
  /** link ids (clicks), reasons (blocked, complaints, failures), bounce classes, unsubscribe methods */
  details: string[];
};

const DETAIL = sql`multiIf(event_type = 'click', link_id, event_type = 'bounce', bounce_class, event_type = 'unsubscribe', visitParamExtractString(detail, 'method'), reason)`;

/** The recipients counted in one KPI, one row per message, ordered by (contact_id, message_id), keyset-paged. */
export async function recipientsOf(ch: QueryRunner, filter: RecipientFilter): Promise<Recipient[]> {
  const spec = Object.hasOwn(INTERACTION_KPIS, filter.kpi) ? INTERACTION_KPIS[filter.kpi] : undefined;
  if (!spec) throw new CairnError('SQL_BAD_VALUE', `unknown KPI ${JSON.stringify(filter.kpi)}`);
  const email = rawEmailParts(filter);
  const parts = [...email, spec.include];
  if (spec.exclude)
    parts.push(
      sql`message_id NOT IN (SELECT message_id FROM events_raw WHERE ${join([...email, spec.exclude], ' AND ')})`,
    );
  if (filter.linkId !== undefined) parts.push(sql`link_id = ${filter.linkId}`);
  if (filter.reason !== undefined) parts.push(sql`reason = ${filter.reason}`);
  const after = filter.after
    ? sql`AND (c > ${filter.after.contactId} OR (c = ${filter.after.contactId} AND m > ${filter.after.messageId}))`
    : sql``;
  // the inner GROUP BY event_id folds replays the ReplacingMergeTree has not merged yet
  const rows = await ch.rows<{
    contact_id: string;
    message_id: string;
    first_at: string;
    last_at: string;
    events: string;
    units: string;
    details: string[];
  }>(sql`
    SELECT c AS contact_id, m AS message_id, toString(min(at)) AS first_at, toString(max(at)) AS last_at, count() AS events, sum(units) AS units,
           arrayFilter(x -> x != '', groupUniqArray(what)) AS details
    FROM (
      SELECT event_id, any(contact_id) AS c, any(message_id) AS m, any(event_time) AS at, any(${DETAIL}) AS what,
             any(if(event_type = 'forward', greatest(1, visitParamExtractInt(detail, 'friend_count')), 1)) AS units
      FROM events_raw WHERE ${join(parts, ' AND ')}
      GROUP BY event_id)
    WHERE 1 = 1 ${after}
    GROUP BY c, m ORDER BY c, m LIMIT ${Math.max(1, Math.trunc(filter.limit))}`);
  return rows.map((row) => ({
    contactId: row.contact_id,
    messageId: row.message_id,
    firstAt: row.first_at,
    lastAt: row.last_at,
    events: num(row.events),
    units: num(row.units),
    details: [...row.details].sort(),
  }));
}

/** events_raw conditions of an email filter: the email, journey, version, and local days on event_time. */
function rawEmailParts(filter: EmailFilter): Sql[] {
  const zone = checkedTimeZone(filter.timeZone);
  const parts = emailFilterParts(filter, sql`substring(toString(event_time, ${zone}), 1, 10)`, sql`event_date`);
  if (filter.contactIds !== undefined) parts.push(contactCondition(filter.contactIds));
  return parts;
}

export type MessageEvent = {
  eventId: string;
  eventType: string;
  at: string;
  machine: boolean;
  linkId: string;
  url: string;
  reason: string;
  bounceClass: string;
};

/** One message's interaction timeline, oldest first; empty when the message is not this workspace's email's. */
export async function messageTimeline(
  ch: QueryRunner,
  filter: { workspaceId: string; emailId: string; messageId: string },
): Promise<MessageEvent[]> {
  const rows = await ch.rows<{
    event_id: string;
    event_type: string;
    at: string;
    machine: string | number;
    link_id: string;
    url: string;
    reason: string;
    bounce_class: string;
  }>(sql`
    SELECT event_id, any(event_type) AS event_type, toString(any(event_time)) AS at, any(machine) AS machine, any(link_id) AS link_id,
           any(url) AS url, any(reason) AS reason, any(bounce_class) AS bounce_class
    FROM events_raw
    WHERE workspace_id = ${filter.workspaceId} AND email_id = ${filter.emailId} AND message_id = ${filter.messageId}
    GROUP BY event_id ORDER BY at, event_id LIMIT 10000`);
  return rows.map((row) => ({
    eventId: row.event_id,
    eventType: row.event_type,
    at: row.at,
    machine: num(row.machine) === 1,
    linkId: row.link_id,
    url: row.url,
    reason: row.reason,
    bounceClass: row.bounce_class,
  }));
}
