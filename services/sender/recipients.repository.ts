import type { Pool } from 'pg';
import type { SendRequest } from '../../lib/contracts/sending/send-request';
import type { JourneyGraph, JourneySettings } from '../../lib/domain/journeys/journey-graph';
import { protectedListIds, unsubscribedProbeSql } from '../../lib/domain/journeys/journey-lists';
import { followAllowedSql } from '../../lib/domain/contacts/following';
import type { RecipientRow } from './eligibility';
import type { FrozenVersion } from './message-renderer';

/**
 * Everything eligibility and rendering need for a batch: the contact, its account (the request's when the journey
 * targets accounts), whether it may be followed (its own, its accounts' and its leads' Follow Email setting,
 * lib/domain/contacts/following.ts), whether it unsubscribed from a list the journey protects and any active address suppression.
 * `journey_id` is null for a message that is no journey's (its `list_id` alone then counts).
 */
export type RecipientRef = Pick<SendRequest, 'key' | 'workspace_id' | 'contact_id' | 'list_id' | 'account_id'> & {
  journey_id: string | null;
};

/** The address's active suppression reason (a complaint first), as a subquery over two SQL expressions. */
const activeSuppression = (workspace: string, address: string): string =>
  `SELECT reason FROM address_suppressions s
    WHERE s.workspace_id = ${workspace} AND s.address IN (${address}, lower(${address}))
      AND (s.suppressed_until IS NULL OR s.suppressed_until > now())
    ORDER BY (s.reason = 'complaint') DESC LIMIT 1`;

/**
 * The lists each journey protects (protectedListIds, the scheduler's rule), read per batch: a journey deleted
 * meanwhile protects nothing more than the request's own `list_id`.
 */
async function journeyLists(pool: Pool, requests: readonly RecipientRef[]): Promise<Map<string, string[]>> {
  const ids = [...new Set(requests.flatMap((r) => (r.journey_id ? [r.journey_id] : [])))];
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<{ id: string; graph: JourneyGraph; settings: JourneySettings }>(
    'SELECT id::text, graph, settings FROM journeys WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((j) => [j.id, protectedListIds(j.graph, j.settings)]));
}

/** A uuid[] literal of the lists a request's contact must not have unsubscribed from. */
const listsLiteral = (request: RecipientRef, byJourney: Map<string, string[]>): string => {
  const lists = new Set(request.journey_id ? byJourney.get(request.journey_id) : []);
  if (request.list_id) lists.add(request.list_id);
  return `{${[...lists].join(',')}}`;
};

export async function loadRecipients(
  pool: Pool,
  requests: readonly RecipientRef[],
): Promise<Map<string, RecipientRow>> {
  const byJourney = await journeyLists(pool, requests);
  const { rows } = await pool.query<RecipientRow & { key: string }>(
    `SELECT r.key, c.id::text AS contact_id, c.email, c.first_name, c.last_name, c.time_zone, c.consent_level,
            COALESCE(r.account_id, c.account_id)::text AS account_id, c.do_not_bulk_email, c.attributes,
            ${followAllowedSql('c')} AND coalesce(a.allow_follow_email, true) AS allow_follow_email,
            a.name AS account_name, a.attributes AS account_attributes,
            (lm.unsubscribed IS NOT NULL) AS unsubscribed, s.reason AS suppression
       FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[]) AS r(key, workspace_id, contact_id, lists, account_id)
       JOIN contacts c ON c.id = r.contact_id AND c.workspace_id = r.workspace_id
       LEFT JOIN accounts a ON a.id = COALESCE(r.account_id, c.account_id) AND a.workspace_id = r.workspace_id
       LEFT JOIN LATERAL ${unsubscribedProbeSql('r.lists::uuid[]', 'c.id')} lm ON true
       LEFT JOIN LATERAL (${activeSuppression('r.workspace_id', 'c.email')}) s ON true`,
    [
      requests.map((r) => r.key),
      requests.map((r) => r.workspace_id),
      requests.map((r) => r.contact_id),
      requests.map((r) => listsLiteral(r, byJourney)),
      requests.map((r) => r.account_id),
    ],
  );
  return new Map(rows.map(({ key, ...row }) => [key, row]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The contact ids among `ids` that were erased (contact_erasures); ids that are no UUID (test sends) never are. */
export async function erasedContacts(pool: Pool, ids: readonly string[]): Promise<Set<string>> {
  const candidates = [...new Set(ids.filter((id) => UUID.test(id)))];
  if (candidates.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    'SELECT contact_id::text AS id FROM contact_erasures WHERE contact_id = ANY($1::uuid[])',
    [candidates],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * The active suppression of each forwarded message's friend (by delivery key): the friend is no contact, but their
 * address is suppressed like anyone's (a complaint, a hard bounce, five soft bounces or by hand).
 */
export async function loadFriendSuppressions(
  pool: Pool,
  friends: readonly { key: string; workspace_id: string; address: string }[],
): Promise<Map<string, string>> {
  if (friends.length === 0) return new Map();
  const { rows } = await pool.query<{ key: string; reason: string }>(
    `SELECT f.key, s.reason FROM unnest($1::text[], $2::uuid[], $3::text[]) AS f(key, workspace_id, address)
       JOIN LATERAL (${activeSuppression('f.workspace_id', 'f.address')}) s ON true`,
    [friends.map((f) => f.key), friends.map((f) => f.workspace_id), friends.map((f) => f.address)],
  );
  return new Map(rows.map((row) => [row.key, row.reason]));
}

/** The workspaces among `ids` whose setting blocks role addresses (sql/postgres/0250; off by default). */
export async function roleBlockingWorkspaces(pool: Pool, ids: readonly string[]): Promise<Set<string>> {
  const candidates = [...new Set(ids.filter((id) => UUID.test(id)))];
  if (candidates.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id::text FROM workspaces WHERE id = ANY($1::uuid[]) AND block_role_addresses',
    [candidates],
  );
  return new Set(rows.map((row) => row.id));
}

export async function loadVersion(
  pool: Pool,
  workspaceId: string,
  emailId: string,
  version: number,
): Promise<FrozenVersion | null> {
  const { rows } = await pool.query<{
    subject: string;
    from_address: string;
    from_name: string;
    reply_to: string | null;
    preview_text: string;
    compiled_html: string;
    attachments: FrozenVersion['attachments'] | null;
    content_settings_id: string | null;
  }>(
    `SELECT subject, from_address, from_name, reply_to, preview_text, compiled_html, attachments, content_settings_id::text
       FROM email_versions WHERE workspace_id = $1 AND email_id = $2 AND version = $3`,
    [workspaceId, emailId, version],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    emailId,
    version,
    subject: row.subject,
    fromAddress: row.from_address,
    fromName: row.from_name,
    replyTo: row.reply_to,
    previewText: row.preview_text,
    compiledHtml: row.compiled_html,
    attachments: row.attachments ?? [],
    contentSettingsId: row.content_settings_id,
  };
}
