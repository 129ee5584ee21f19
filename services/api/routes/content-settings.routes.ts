import type { FastifyInstance } from 'fastify';
import type { Pool, PoolClient } from 'pg';
import { resourceRoutes } from '../resource-routes';

const url = { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 };

/** Content settings: footer data merged into emails as {{content.*}}; one default per workspace. */
export async function contentSettingsRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  resourceRoutes(app, pool, {
    path: '/v1/content-settings',
    table: 'content_settings',
    noun: 'content settings',
    tag: 'content settings',
    writable: {
      name: { type: 'string', minLength: 1, maxLength: 300 },
      subscription_center_url: url,
      forward_url: { anyOf: [url, { type: 'string', maxLength: 0 }] },
      postal_address: { type: 'string', minLength: 1, maxLength: 1000 },
      social_links: { type: 'object', additionalProperties: url, description: 'e.g. {"twitter": "https://..."}' },
      is_default: {
        type: 'boolean',
        description: 'true makes this the workspace default (and clears the previous default)',
      },
    },
    required: ['name', 'subscription_center_url', 'postal_address'],
    touchUpdatedAt: true,
    beforeWrite: async (client: PoolClient, workspaceId, body, id) => {
      if (body.is_default !== true) return;
      await client.query(
        'UPDATE content_settings SET is_default = false WHERE workspace_id = $1 AND is_default AND id IS DISTINCT FROM $2::uuid',
        [workspaceId, id],
      );
    },
  });
}
