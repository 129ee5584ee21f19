import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { childListRoute, memberRemovalRoute } from '../child-list';
import { getRow, idParams, resourceRoutes } from '../resource-routes';

export const contactIdsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['contact_ids'],
  properties: {
    contact_ids: {
      type: 'array',
      minItems: 1,
      maxItems: 10000,
      uniqueItems: true,
      items: { type: 'string', format: 'uuid' },
    },
  },
} as const;

/** Ids that are not contacts of this workspace are reported by index and nothing is written. */
export async function assertContacts(
  db: Pool | import('pg').PoolClient,
  workspaceId: string,
  ids: string[],
): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM contacts WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, ids],
  );
  const found = new Set(rows.map((row) => row.id));
  const missing = ids.map((id, i) => [id, i] as const).filter(([id]) => !found.has(id));
  if (missing.length > 0)
    throw new ApiProblem(
      404,
      `${missing.length} contact(s) not found in this workspace`,
      missing.slice(0, 50).map(([, i]) => ({ field: `contact_ids[${i}]`, message: 'not found' })),
    );
}

const memberSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    contact_id: { type: 'string' },
    subscribed_at: { type: 'string', format: 'date-time' },
    unsubscribed_at: { type: ['string', 'null'], format: 'date-time' },
    /** left because an operator removed it (DELETE .../members/{contactId}), not by its own unsubscribe */
    removed_by_hand: { type: 'boolean' },
  },
};

/**
 * An operator's removal, not the contact's unsubscribe: no journey already in flight blocks the contact
 * (docs/scheduler.md#blocking). A contact who had unsubscribed itself stays unsubscribed (removed_by_hand false).
 */
const HAND_REMOVAL = `UPDATE list_memberships SET removed_by_hand = (unsubscribed_at IS NULL OR removed_by_hand),
                        unsubscribed_at = coalesce(unsubscribed_at, now())
                      WHERE workspace_id = $1 AND list_id = $2 AND contact_id = $3`;

export async function listRoutes(untyped: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  resourceRoutes(app, pool, {
    path: '/v1/lists',
    table: 'subscription_lists',
    noun: 'subscription list',
    tag: 'lists',
    writable: {
      name: { type: 'string', minLength: 1, maxLength: 300 },
      description: { type: 'string', maxLength: 2000 },
    },
    required: ['name'],
  });
  app.post(
    '/v1/lists/:id/members',
    {
      schema: {
        tags: ['lists'],
        summary: 'Subscribe contacts to a list (re-subscribes those who left)',
        params: idParams,
        body: contactIdsBody,
        response: { 200: { type: 'object', properties: { subscribed: { type: 'integer' } } } },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      const { contact_ids: ids } = req.body;
      return inTransaction(pool, async (client) => {
        await getRow(client, 'subscription_lists', 'subscription list', workspaceId, id);
        await assertContacts(client, workspaceId, ids);
        // NOTE: idempotent: repeating the call leaves one membership row per (list, contact).
        const { rowCount } = await client.query(
          `INSERT INTO list_memberships (list_id, contact_id, workspace_id) SELECT $1, unnest($3::uuid[]), $2
         ON CONFLICT (list_id, contact_id) DO UPDATE SET unsubscribed_at = NULL, removed_by_hand = false, subscribed_at = CASE WHEN list_memberships.unsubscribed_at IS NULL THEN list_memberships.subscribed_at ELSE now() END`,
          [id, workspaceId, ids],
        );
        return { subscribed: rowCount ?? 0 };
      });
    },
  );
  memberRemovalRoute(untyped, pool, {
    url: '/v1/lists/:id/members/:contactId',
    tags: ['lists'],
    summary:
      'Remove a contact from a list by hand (kept with unsubscribed_at and removed_by_hand: journeys in flight keep it)',
    noun: 'membership',
    statement: HAND_REMOVAL,
  });
  childListRoute(untyped, pool, {
    url: '/v1/lists/:id/members',
    tags: ['lists'],
    summary: 'List members of a list',
    parent: { table: 'subscription_lists', noun: 'subscription list' },
    item: memberSchema,
    select: `SELECT contact_id AS id, contact_id, subscribed_at, unsubscribed_at, removed_by_hand FROM list_memberships
             WHERE workspace_id = $1 AND list_id = $2 AND ($3::uuid IS NULL OR contact_id > $3::uuid) ORDER BY contact_id LIMIT $4`,
  });
}
