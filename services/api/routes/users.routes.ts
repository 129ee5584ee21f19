import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { resourceRoutes } from '../resource-routes';

/**
 * The people of a workspace who own tasks and leads (docs/api.md#users). A user is not a contact and holds no
 * contact id; deleting one leaves its tasks and leads unowned.
 */
export async function userRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  resourceRoutes(app, pool, {
    path: '/v1/users',
    table: 'users',
    noun: 'user',
    tag: 'users',
    writable: {
      email: { type: 'string', format: 'email', maxLength: 254 },
      name: { type: 'string', maxLength: 300 },
    },
    required: ['email'],
    listFilters: { email: { type: 'string', format: 'email', maxLength: 254 } },
  });
}
