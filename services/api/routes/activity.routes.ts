import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { resourceRoutes } from '../resource-routes';
import { followEmailField } from './contacts.routes';

const byJourneyOrContact = {
  journey_id: { type: 'string', format: 'uuid' },
  contact_id: { type: 'string', format: 'uuid' },
};

/**
 * Read-only but for a lead's Follow Email setting: tasks / phone calls and leads are written by the journey engine's activity and create-lead tiles, and
 * a phone call by "create a call" on an engagement alert (engagement-alerts.routes.ts).
 */
export async function activityRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  resourceRoutes(app, pool, {
    path: '/v1/tasks',
    table: 'tasks',
    noun: 'task',
    tag: 'activities',
    writable: {},
    output: {
      kind: { type: 'string', enum: ['task', 'phone_call', 'appointment'] },
      subject: { type: 'string' },
      status: { type: 'string' },
      ...byJourneyOrContact,
      tile_id: { type: 'string' },
      due_at: { type: ['string', 'null'], format: 'date-time' },
    },
    required: [],
    listFilters: byJourneyOrContact,
    operations: ['list', 'get'],
  });
  resourceRoutes(app, pool, {
    path: '/v1/leads',
    table: 'leads',
    noun: 'lead',
    tag: 'activities',
    writable: { allow_follow_email: followEmailField("the lead's contact") },
    output: {
      title: { type: 'string' },
      account_id: { type: ['string', 'null'] },
      ...byJourneyOrContact,
      tile_id: { type: 'string' },
    },
    required: [],
    listFilters: byJourneyOrContact,
    operations: ['list', 'get', 'update'],
  });
}
