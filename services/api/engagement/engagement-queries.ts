import { join, sql, type Sql } from '../../../lib/platform/clickhouse/sql';
import { deviceOf, type Device } from '../../../lib/domain/engagement/device-type';

/** Anything that runs a bound query and returns rows: the ClickHouse client, or chdb in the dialect test. */
export interface Runner {
  rows<T>(query: Sql): Promise<T[]>;
}

/** A one-to-one message in ClickHouse: its frozen email version. */
export interface MessageRef {
  emailId: string;
  version: number;
}

/**
 * The columns of a followed-email list (docs/engagement.md#interaction-history-and-kpis): human traffic only (machine
 * events are shown, never counted).
 */
export interface MessageKpis {
  opens: number;
  last_opened_at: string | null;
  attachment_views: number;
  link_clicks: number;
  replies: number;
  machine_events: number;
}

export const KPI_COLUMNS = ['opens', 'last_opened_at', 'attachment_views', 'link_clicks', 'replies'] as const;
export type KpiColumn = (typeof KPI_COLUMNS)[number];

const HUMAN_OPEN = sql`event_type = 'open' AND machine = 0`;
const KPI_SELECT = sql`
  uniqExactIf(event_id, ${HUMAN_OPEN}) AS opens,
  toString(maxIf(event_time, ${HUMAN_OPEN})) AS last_opened,
  uniqExactIf(event_id, event_type = 'click' AND link_kind = 'attachment' AND machine = 0) AS attachment_views,
  uniqExactIf(event_id, event_type = 'click' AND link_kind != 'attachment' AND machine = 0) AS link_clicks,
  uniqExactIf(event_id, event_type = 'reply' AND machine = 0) AS replies,
  uniqExactIf(event_id, machine = 1) AS machine_events`;

interface KpiRow {
  email_id: string;
  email_version: number;
  opens: string;
  last_opened: string;
  attachment_views: string;
  link_clicks: string;
  replies: string;
  machine_events: string;
}

const EMPTY: MessageKpis = {
  opens: 0,
  last_opened_at: null,
  attachment_views: 0,
  link_clicks: 0,
  replies: 0,
  machine_events: 0,
};

function kpisOf(row: KpiRow): MessageKpis {
  const opens = Number(row.opens);
  return {
    opens,
    // maxIf over no row is the zero time; only a message with a human open has a last open
    last_opened_at: opens > 0 ? row.last_opened : null,
    attachment_views: Number(row.attachment_views),
    link_clicks: Number(row.link_clicks),
    replies: Number(row.replies),
    machine_events: Number(row.machine_events),
  };
}

const refKey = (emailId: string, version: number): string => `${emailId}/${version}`;

function refsCondition(refs: readonly MessageRef[]): Sql {
  return join(
    refs.map((ref) => sql`(email_id = ${ref.emailId} AND email_version = ${ref.version})`),
    ' OR ',
  );
}

/** KPIs of several messages of one workspace (the list's page, or one message). */
export async function messageKpis(
  ch: Runner,
  workspaceId: string,
  refs: readonly MessageRef[],
): Promise<Map<string, MessageKpis>> {
  const out = new Map(refs.map((ref) => [refKey(ref.emailId, ref.version), { ...EMPTY }]));
  if (refs.length === 0) return out;
  const rows = await ch.rows<KpiRow>(sql`
    SELECT email_id, email_version, ${KPI_SELECT} FROM engagement_events
    WHERE workspace_id = ${workspaceId} AND has(${[...new Set(refs.map((r) => r.emailId))]}, email_id) AND (${refsCondition(refs)})
    GROUP BY email_id, email_version`);
  for (const row of rows) out.set(refKey(row.email_id, Number(row.email_version)), kpisOf(row));
  return out;
}

export const kpisFor = (kpis: Map<string, MessageKpis>, ref: MessageRef): MessageKpis =>
  kpis.get(refKey(ref.emailId, ref.version)) ?? { ...EMPTY };

/**
 * Messages of a workspace ordered by one KPI column (then by email and version, so pages are stable), from
 * ClickHouse: every message handed to the sender has at least its send (or blocked/failed) event there.
 */
export async function messagesByKpi(
  ch: Runner,
  workspaceId: string,
  column: KpiColumn,
  descending: boolean,
  offset: number,
  limit: number,
): Promise<Array<MessageRef & MessageKpis>> {
  const order = {
    opens: sql`opens`,
    last_opened_at: sql`last_opened_sort`,
    attachment_views: sql`attachment_views`,
    link_clicks: sql`link_clicks`,
    replies: sql`replies`,
  }[column];
  const direction = descending ? sql`DESC` : sql`ASC`;
  const rows = await ch.rows<KpiRow>(sql`
    SELECT email_id, email_version, ${KPI_SELECT}, maxIf(event_time_ms, ${HUMAN_OPEN}) AS last_opened_sort
    FROM engagement_events WHERE workspace_id = ${workspaceId}
    GROUP BY email_id, email_version
    ORDER BY ${order} ${direction}, email_id, email_version
    LIMIT ${limit} OFFSET ${offset}`);
  return rows.map((row) => ({ emailId: row.email_id, version: Number(row.email_version), ...kpisOf(row) }));
}

export interface Interaction {
  at: string;
  type:
    | 'open'
    | 'link_click'
    | 'attachment_view'
    | 'reply'
    | 'sent'
    | 'bounce'
    | 'blocked'
    | 'sending_failed'
    | 'complaint';
  event_id: string;
  contact_id: string;
  message_id: string;
  machine: boolean;
  machine_reason: string | null;
  url: string | null;
  device: Device | null;
  source: string | null;
  /** replies: verified (SPF/DKIM aligned with From, the contact's domain), unverified (kept, cancels no reminder), unchecked (before issue 20) */
  auth_verdict: string | null;
}

const TYPE_OF: Record<string, Interaction['type']> = {
  open: 'open',
  reply: 'reply',
  send: 'sent',
  bounce: 'bounce',
  blocked: 'blocked',
  sending_failed: 'sending_failed',
  complaint: 'complaint',
};

/** One message's interactions, newest first, each event once (a replay is folded by event_id). */
export async function messageHistory(
  ch: Runner,
  workspaceId: string,
  ref: MessageRef,
  limit: number,
): Promise<Interaction[]> {
  const rows = await ch.rows<{
    event_id: string;
    event_type: string;
    at: string;
    ms: string;
    contact_id: string;
    message_id: string;
    machine: number;
    machine_reason: string;
    url: string;
    link_kind: string;
    user_agent: string;
    source: string;
    auth_verdict: string;
  }>(sql`
    SELECT event_id, any(event_type) AS event_type, toString(any(event_time)) AS at, any(event_time_ms) AS ms, any(contact_id) AS contact_id,
           any(message_id) AS message_id, any(machine) AS machine, any(machine_reason) AS machine_reason, any(url) AS url,
           any(link_kind) AS link_kind, any(visitParamExtractString(detail, 'user_agent')) AS user_agent,
           any(visitParamExtractString(detail, 'source')) AS source, any(visitParamExtractString(detail, 'auth_verdict')) AS auth_verdict
    FROM engagement_events
    WHERE workspace_id = ${workspaceId} AND email_id = ${ref.emailId} AND email_version = ${ref.version}
    GROUP BY event_id ORDER BY ms DESC, event_id LIMIT ${limit}`);
  return rows.map((row) => {
    const type =
      row.event_type === 'click'
        ? row.link_kind === 'attachment'
          ? 'attachment_view'
          : 'link_click'
        : (TYPE_OF[row.event_type] ?? 'sent');
    const tracked = row.event_type === 'open' || row.event_type === 'click';
    return {
      at: row.at,
      type,
      event_id: row.event_id,
      contact_id: row.contact_id,
      message_id: row.message_id,
      machine: Number(row.machine) === 1,
      machine_reason: row.machine_reason || null,
      url: row.url || null,
      device: tracked ? deviceOf(row.user_agent) : null,
      source: row.event_type === 'reply' ? row.source || null : null,
      auth_verdict: row.event_type === 'reply' ? row.auth_verdict || 'unchecked' : null,
    };
  });
}

/** Per template (email_id = template id): messages sent, and messages opened or replied to by a person. */
export interface TemplateStats {
  sent: number;
  opened: number;
  replied: number;
}

export async function templateStats(
  ch: Runner,
  workspaceId: string,
  templateIds: readonly string[],
): Promise<Map<string, TemplateStats>> {
  if (templateIds.length === 0) return new Map();
  const rows = await ch.rows<{ email_id: string; sent: string; opened: string; replied: string }>(sql`
    SELECT email_id, uniqExactIf(message_id, event_type = 'send') AS sent,
           uniqExactIf(message_id, ${HUMAN_OPEN}) AS opened, uniqExactIf(message_id, event_type = 'reply' AND machine = 0) AS replied
    FROM engagement_events WHERE workspace_id = ${workspaceId} AND has(${[...templateIds]}, email_id)
    GROUP BY email_id`);
  return new Map(
    rows.map((row) => [
      row.email_id,
      { sent: Number(row.sent), opened: Number(row.opened), replied: Number(row.replied) },
    ]),
  );
}
