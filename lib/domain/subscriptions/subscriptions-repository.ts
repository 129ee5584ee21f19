import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../platform/postgres/pg-pool';

export interface ListChoice {
  id: string;
  name: string;
  description: string;
  subscribed: boolean;
}

/**
 * NOTE: the one writer of a recipient's own list choices (ingest's one-click unsubscribe and subscription center,
 * the engagement service's mailto unsubscribe): each caller emits its event, this writes the memberships. It
 * lives in lib/ because two services need it and services never import each other. An operator's changes come from
 * the API's list routes; a removal there is marked `removed_by_hand`, which these writes clear.
 */

/**
 * Leaves one list, or every list of the workspace when the mail carried no list context. A membership an operator
 * removed by hand (`removed_by_hand`, which keeps the contact on journeys in flight) becomes the contact's own
 * unsubscribe, which blocks it on them (docs/scheduler.md#blocking).
 * NOTE: idempotent: only memberships not yet left by the contact are touched, so a repeat changes nothing and returns [].
 */
export async function unsubscribeContact(
  pool: Pool,
  target: { workspaceId: string; contactId: string; listId: string | null },
): Promise<string[]> {
  const { rows } = await pool.query<{ list_id: string }>(
    `UPDATE list_memberships SET unsubscribed_at = now(), removed_by_hand = false
      WHERE workspace_id = $1 AND contact_id = $2 AND ($3::uuid IS NULL OR list_id = $3::uuid)
        AND (unsubscribed_at IS NULL OR removed_by_hand)
      RETURNING list_id`,
    [target.workspaceId, target.contactId, target.listId],
  );
  return rows.map((r) => r.list_id).sort();
}

export async function listChoices(pool: Pool, workspaceId: string, contactId: string): Promise<ListChoice[]> {
  const { rows } = await pool.query<ListChoice>(
    `SELECT l.id, l.name, l.description, (m.contact_id IS NOT NULL AND m.unsubscribed_at IS NULL) AS subscribed
       FROM subscription_lists l
       LEFT JOIN list_memberships m ON m.list_id = l.id AND m.contact_id = $2
      WHERE l.workspace_id = $1
      ORDER BY l.name, l.id`,
    [workspaceId, contactId],
  );
  return rows;
}

/**
 * Applies the subscription center's checkboxes in one transaction: checked lists are (re)joined, unchecked
 * active memberships are left. Ids not of this workspace are ignored. Idempotent like unsubscribeContact.
 */
export async function applyChoices(
  pool: Pool,
  target: { workspaceId: string; contactId: string; chosen: ReadonlySet<string> },
): Promise<{ joined: string[]; left: string[] }> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; subscribed: boolean }>(
      `SELECT l.id, (m.contact_id IS NOT NULL AND m.unsubscribed_at IS NULL) AS subscribed
         FROM subscription_lists l
         LEFT JOIN list_memberships m ON m.list_id = l.id AND m.contact_id = $2
        WHERE l.workspace_id = $1
        FOR UPDATE OF l`,
      [target.workspaceId, target.contactId],
    );
    const joined = rows.filter((r) => target.chosen.has(r.id) && !r.subscribed).map((r) => r.id);
    const left = rows.filter((r) => !target.chosen.has(r.id) && r.subscribed).map((r) => r.id);
    if (joined.length > 0) {
      await client.query(
        `INSERT INTO list_memberships (list_id, contact_id, workspace_id)
         SELECT unnest($1::uuid[]), $2, $3
         ON CONFLICT (list_id, contact_id) DO UPDATE SET unsubscribed_at = NULL, removed_by_hand = false, subscribed_at = now()`,
        [joined, target.contactId, target.workspaceId],
      );
    }
    if (left.length > 0) {
      await client.query(
        'UPDATE list_memberships SET unsubscribed_at = now(), removed_by_hand = false WHERE contact_id = $1 AND list_id = ANY($2::uuid[])',
        [target.contactId, left],
      );
    }
    return { joined: joined.sort(), left: left.sort() };
  });
}

/**
 * Joins lists the contact chose itself (a form submission, docs/pages-and-forms.md#submissions, or its double
 * opt-in confirmation, docs/pages-and-forms.md#double-opt-in) inside
 * the caller's transaction: re-joining a list it left (or was removed from by hand) makes the membership active
 * again. Ids not of this workspace are ignored. Returns the lists of the workspace among `listIds`, sorted.
 * NOTE: idempotent: a membership already active is only re-dated, never duplicated (its primary key).
 */
export async function joinLists(
  client: PoolClient,
  target: { workspaceId: string; contactId: string; listIds: readonly string[] },
): Promise<string[]> {
  if (target.listIds.length === 0) return [];
  const { rows } = await client.query<{ list_id: string }>(
    `INSERT INTO list_memberships (list_id, contact_id, workspace_id)
     SELECT l.id, $2, $1 FROM subscription_lists l WHERE l.workspace_id = $1 AND l.id = ANY($3::uuid[])
     ON CONFLICT (list_id, contact_id) DO UPDATE SET unsubscribed_at = NULL, removed_by_hand = false, subscribed_at = now()
     RETURNING list_id::text`,
    [target.workspaceId, target.contactId, target.listIds],
  );
  return rows.map((r) => r.list_id).sort();
}
