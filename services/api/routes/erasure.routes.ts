import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
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
    resweep_at: timestamp,
  },
} as const;

/** The right to erasure: an admin-scoped key erases one contact of its workspace from PostgreSQL and ClickHouse. */
export async function erasureRoutes(
  app: FastifyInstance,
  deps: Pick<ApiDeps, 'pool' | 'clickhouse' | 'config'>,
): Promise<void> {
  app.withTypeProvider<JsonSchemaToTsProvider>().post(
    '/v1/contacts/:id/erasure',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['contacts'],
        summary:
          'Erase a contact: every PostgreSQL row holding its id (tasks and leads stay without it) and its ClickHouse events, timeline and KPI contributions, again at resweep_at; nothing is recorded for it afterwards; answers the erasure record (repeatable)',
        params: idParams,
        response: { 200: erasureSchema },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const { id } = req.params;
      return eraseContactEverywhere(
        deps,
        { workspaceId, contactId: id, keyId: req.principal?.keyId ?? '' },
        { resweepSeconds: deps.config.erasureResweepSeconds },
      );
    },
  );
}
