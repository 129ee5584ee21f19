/**
 * One-to-one messages as the API shows them (services/api/routes/engagement-messages.routes.ts): read from
 * PostgreSQL, with their recipients, status and KPIs from ClickHouse.
 */
import type { Pool } from 'pg';
import type { ApiDeps } from '../api-deps';
import { notFound } from '../api-problem';
import { decodeKeyset, encodeKeyset, keysetPage } from '../pagination';
import { kpisFor, messageKpis, messagesByKpi, type KpiColumn } from './engagement-queries';

export interface MessageRow {
  id: string;
  subject: string;
  state: string;
  followed: boolean;
  send_at: Date;
  template_id: string | null;
  email_id: string;
  email_version: number;
  owner: string;
  regarding_type: string | null;
  regarding_id: string | null;
  created_at: Date;
  first_opened_at: Date | null;
}

/**
 * A message's status in its list (docs/engagement.md#interaction-history-and-kpis): "scheduled to send", "not yet
 * opened", "last opened …" (unfollowed: just sent).
 */
function statusOf(row: MessageRow, opens: number, lastOpenedAt: string | null): string {
  if (row.state === 'scheduled') return 'scheduled';
  if (row.state === 'cancelled') return 'cancelled';
  if (!row.followed) return 'sent (not followed)';
  return opens > 0 ? `last opened ${lastOpenedAt} UTC` : 'not yet opened';
}

export async function present(deps: ApiDeps, workspaceId: string, rows: MessageRow[]) {
  const all = await messageKpis(
    deps.clickhouse,
    workspaceId,
    rows.filter((r) => r.state === 'queued').map((r) => ({ emailId: r.email_id, version: r.email_version })),
  );
  const { rows: recipients } = await deps.pool.query<{
    message_id: string;
    contact_id: string;
    delivery_message_id: string;
  }>(
    'SELECT message_id::text, contact_id::text, delivery_message_id::text FROM engagement_recipients WHERE message_id = ANY($1::uuid[]) ORDER BY idx',
    [rows.map((r) => r.id)],
  );
  return rows.map((row) => {
    const k = kpisFor(all, { emailId: row.email_id, version: row.email_version });
    const copies = recipients
      .filter((r) => r.message_id === row.id)
      .map((r) => ({ contact_id: r.contact_id, message_id: r.delivery_message_id }));
    return {
      ...row,
      send_at: row.send_at.toISOString(),
      created_at: row.created_at.toISOString(),
      status: statusOf(row, k.opens, k.last_opened_at),
      recipients: copies,
      kpis: k,
    };
  });
}

const SELECT =
  'SELECT id::text, subject, state, followed, send_at, template_id::text, email_id::text, email_version, owner, regarding_type, regarding_id::text, created_at, first_opened_at FROM engagement_messages';

export async function loadMessage(pool: Pool, workspaceId: string, id: string): Promise<MessageRow> {
  const { rows } = await pool.query<MessageRow>(`${SELECT} WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('message');
  return rows[0];
}

/** Newest (or oldest) first, paged by a (created_at, id) keyset. */
export async function listByCreation(
  deps: ApiDeps,
  workspaceId: string,
  descending: boolean,
  limit: number,
  cursor: string | undefined,
) {
  const after = decodeKeyset(cursor, ['string', 'string']);
  const [cmp, dir] = descending ? ['<', 'DESC'] : ['>', 'ASC'];
  const { rows } = await deps.pool.query<MessageRow>(
    `${SELECT} WHERE workspace_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) ${cmp} ($2::timestamptz, $3::uuid)) ORDER BY created_at ${dir}, id ${dir} LIMIT $4`,
    [workspaceId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const page = keysetPage(rows, limit, (row) => [row.created_at.toISOString(), row.id]);
  return { items: await present(deps, workspaceId, page.items), next_cursor: page.next_cursor };
}

/** Ranked by a KPI column in ClickHouse, then read from PostgreSQL in that order; paged by an offset. */
export async function listByKpi(
  deps: ApiDeps,
  workspaceId: string,
  sort: KpiColumn,
  descending: boolean,
  limit: number,
  cursor: string | undefined,
) {
  const offset = Number(decodeKeyset(cursor, ['number'])?.[0] ?? 0);
  const ranked = await messagesByKpi(deps.clickhouse, workspaceId, sort, descending, offset, limit + 1);
  const pairs = ranked.slice(0, limit);
  const { rows } = await deps.pool.query<MessageRow>(
    `${SELECT} WHERE workspace_id = $1 AND (email_id, email_version) IN (SELECT * FROM unnest($2::uuid[], $3::int[]))`,
    [workspaceId, pairs.map((p) => p.emailId), pairs.map((p) => p.version)],
  );
  const byRef = new Map(rows.map((row) => [`${row.email_id}/${row.email_version}`, row]));
  const ordered = pairs.flatMap((p) => byRef.get(`${p.emailId}/${p.version}`) ?? []);
  return {
    items: await present(deps, workspaceId, ordered),
    next_cursor: ranked.length > limit ? encodeKeyset([offset + limit]) : null,
  };
}
