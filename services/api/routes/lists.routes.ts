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
  },
};

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
         ON CONFLICT (list_id, contact_id) DO UPDATE SET unsubscribed_at = NULL, subscribed_at = CASE WHEN list_memberships.unsubscribed_at IS NULL THEN list_memberships.subscribed_at ELSE now() END`,
          [id, workspaceId, ids],
        );
        return { subscribed: rowCount ?? 0 };
      });
    },
  );
  memberRemovalRoute(untyped, pool, {
    url: '/v1/lists/:id/members/:contactId',
    tags: ['lists'],
    summary: 'Unsubscribe a contact from a list (the membership is kept with unsubscribed_at)',
    noun: 'membership',
    statement:
      'UPDATE list_memberships SET unsubscribed_at = coalesce(unsubscribed_at, now()) WHERE workspace_id = $1 AND list_id = $2 AND contact_id = $3',
  });
  childListRoute(untyped, pool, {
    url: '/v1/lists/:id/members',
    tags: ['lists'],
    summary: 'List members of a list',
    parent: { table: 'subscription_lists', noun: 'subscription list' },
    item: memberSchema,
    select: `SELECT contact_id AS id, contact_id, subscribed_at, unsubscribed_at FROM list_memberships
             WHERE workspace_id = $1 AND list_id = $2 AND ($3::uuid IS NULL OR contact_id > $3::uuid) ORDER BY contact_id LIMIT $4`,
  });
}
