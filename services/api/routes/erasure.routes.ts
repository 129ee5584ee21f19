import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app';
import { workspaceOf } from '../api-auth';
import { eraseContactEverywhere } from '../contact-erasure';
import { idParams } from '../resource-routes';

const timestamp = { type: ['string', 'null'], format: 'date-time' } as const;
const erasureSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    contact_id: { type: 'string' },
    requested_by_key_id: { type: 'string' },
    requested_at: { type: 'string', format: 'date-time' },
    postgres_erased_at: timestamp,
    clickhouse_erased_at: timestamp,
    clickhouse_raw_events: { type: ['integer', 'null'] },
  },
} as const;

/** The right to erasure: an admin-scoped key erases one contact of its workspace from PostgreSQL and ClickHouse. */
export function erasureRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'pool' | 'clickhouse'>): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().post(
    '/v1/contacts/:id/erasure',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['contacts'],
        summary:
          'Erase a contact: its PostgreSQL row (memberships cascade) and its ClickHouse events, timeline and KPI contributions; answers the erasure record (repeatable)',
        params: idParams,
        response: { 200: erasureSchema },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      return eraseContactEverywhere(deps, { workspaceId, contactId: id, keyId: req.principal?.keyId ?? '' });
    },
  );
}
