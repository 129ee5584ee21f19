import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { workspaceOf } from '../api-auth';
import { notFound } from '../api-problem';
import { idParams, resourceRoutes } from '../resource-routes';

const attributes = { type: 'object', additionalProperties: true, description: 'free-form JSON attributes' };
const nullableText = (maxLength: number) => ({ type: ['string', 'null'], maxLength });

/**
 * Follow Email (docs/engagement.md#followed-messages-and-do-not-allow) on a contact, an account or a lead: false =
 * Do Not Allow, which holds for the contact and, on an account or a lead, for its contacts.
 */
export const followEmailField = (whose: string) => ({
  type: 'boolean',
  description: `false = Do Not Allow following: no beacon, tracked links or followed attachments in mail to ${whose}, and none of their opens, clicks or attachment views recorded`,
});

export const contactFields = {
  email: { type: ['string', 'null'], format: 'mailbox', maxLength: 254 },
  first_name: nullableText(200),
  last_name: nullableText(200),
  time_zone: nullableText(64),
  account_id: { type: ['string', 'null'], format: 'uuid' },
  consent_level: {
    type: 'integer',
    minimum: 0,
    maximum: 5,
    description: '0 none, 1 consent given, 2 transactional, 3 subscriptions, 4 marketing, 5 profiling',
  },
  do_not_bulk_email: { type: 'boolean' },
  allow_follow_email: followEmailField('the contact'),
  attributes,
};

const subscriptions = {
  type: 'object',
  properties: {
    contact_id: { type: 'string' },
    lists: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          list_id: { type: 'string' },
          name: { type: 'string' },
          description: { type: 'string' },
          subscribed: { type: 'boolean' },
        },
      },
    },
  },
} as const;

export async function contactRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  resourceRoutes(app, pool, {
    path: '/v1/contacts',
    table: 'contacts',
    noun: 'contact',
    tag: 'contacts',
    writable: contactFields,
    required: [],
    references: { account_id: 'accounts' },
    touchUpdatedAt: true,
  });
  resourceRoutes(app, pool, {
    path: '/v1/accounts',
    table: 'accounts',
    noun: 'account',
    tag: 'contacts',
    writable: {
      name: { type: 'string', minLength: 1, maxLength: 300 },
      attributes,
      allow_follow_email: followEmailField("the account's contacts"),
    },
    required: ['name'],
    touchUpdatedAt: true,
  });
  subscriptionsRoute(app, pool);
}

function subscriptionsRoute(app: FastifyInstance, pool: Pool): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    '/v1/contacts/:id/subscriptions',
    {
      schema: {
        tags: ['lists'],
        summary:
          "A contact's subscription-center data: every list of the workspace and whether the contact is subscribed",
        params: idParams,
        response: { 200: subscriptions },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      const contact = await pool.query('SELECT 1 FROM contacts WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
      if (!contact.rowCount) throw notFound('contact');
      const { rows } = await pool.query(
        `SELECT l.id AS list_id, l.name, l.description, (m.contact_id IS NOT NULL AND m.unsubscribed_at IS NULL) AS subscribed
         FROM subscription_lists l LEFT JOIN list_memberships m ON m.list_id = l.id AND m.contact_id = $2
         WHERE l.workspace_id = $1 ORDER BY l.name, l.id`,
        [workspaceId, id],
      );
      return { contact_id: id, lists: rows };
    },
  );
}
