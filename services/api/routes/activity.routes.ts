import type { FastifyInstance } from 'fastify';
import type { Pool, PoolClient } from 'pg';
import {
  assertInitial,
  assertTransition,
  LEAD_STATUSES,
  LEAD_TRANSITIONS,
  TASK_STATUSES,
  TASK_TRANSITIONS,
  type Transitions,
} from '../activities/activity-status';
import { getRow, resourceRoutes, type RangeFilter, type ResourceSpec } from '../resource-routes';
import { followEmailField } from './contacts.routes';

const uuidOrNull = { type: ['string', 'null'], format: 'uuid' };
const owner = { owner_id: { ...uuidOrNull, description: 'a user of the workspace (GET /v1/users); null unassigns' } };
const readOnly = {
  journey_id: { type: ['string', 'null'] },
  tile_id: { type: 'string' },
  updated_at: { type: 'string', format: 'date-time' },
};
const created: Record<string, RangeFilter> = {
  created_from: { column: 'created_at', bound: 'from' },
  created_to: { column: 'created_at', bound: 'to' },
};
const filters = (statuses: readonly string[]) => ({
  status: { type: 'string', enum: [...statuses] },
  owner_id: { type: 'string', format: 'uuid' },
  contact_id: { type: 'string', format: 'uuid' },
  journey_id: { type: 'string', format: 'uuid' },
});

/**
 * A create starts in the first status; a change of status moves along the allowed transitions, checked against
 * the row locked in the write's transaction so two changes at once cannot both pass from the same status.
 */
function statusCheck(table: string, noun: string, statuses: readonly string[], transitions: Transitions) {
  return async (client: PoolClient, workspaceId: string, body: Record<string, unknown>, id: string | null) => {
    if (id === null) return assertInitial(statuses, body.status);
    const current = await getRow<{ status: string }>(client, table, noun, workspaceId, id, true);
    if (typeof body.status === 'string') assertTransition(noun, transitions, current.status, body.status);
  };
}

const common: Pick<ResourceSpec, 'tag' | 'required' | 'touchUpdatedAt' | 'operations'> & {
  references: Record<string, string>;
} = {
  tag: 'activities',
  required: [],
  touchUpdatedAt: true,
  operations: ['create', 'list', 'get', 'update'],
  references: { owner_id: 'users', contact_id: 'contacts' },
};

const taskSpec: ResourceSpec = {
  ...common,
  path: '/v1/tasks',
  table: 'tasks',
  noun: 'task',
  writable: {
    kind: { type: 'string', enum: ['task', 'phone_call', 'appointment'] },
    subject: { type: 'string', minLength: 1, maxLength: 500 },
    status: { type: 'string', enum: [...TASK_STATUSES] },
    contact_id: uuidOrNull,
    due_at: { type: ['string', 'null'], format: 'date-time' },
    ...owner,
  },
  required: ['subject'],
  output: readOnly,
  listFilters: filters(TASK_STATUSES),
  rangeFilters: {
    due_from: { column: 'due_at', bound: 'from' },
    due_to: { column: 'due_at', bound: 'to' },
    ...created,
  },
  beforeWrite: statusCheck('tasks', 'task', TASK_STATUSES, TASK_TRANSITIONS),
};

const leadSpec: ResourceSpec = {
  ...common,
  path: '/v1/leads',
  table: 'leads',
  noun: 'lead',
  writable: {
    title: { type: 'string', maxLength: 500 },
    status: { type: 'string', enum: [...LEAD_STATUSES] },
    contact_id: uuidOrNull,
    account_id: uuidOrNull,
    allow_follow_email: followEmailField("the lead's contact"),
    ...owner,
  },
  references: { ...common.references, account_id: 'accounts' },
  output: readOnly,
  listFilters: filters(LEAD_STATUSES),
  rangeFilters: created,
  beforeWrite: statusCheck('leads', 'lead', LEAD_STATUSES, LEAD_TRANSITIONS),
};

/**
 * Tasks / phone calls and leads: written by the journey engine's activity and create-lead tiles, by "create a
 * call" on an engagement alert (engagement-alerts.routes.ts), and here; the API changes their status along the
 * allowed transitions and their owner (docs/api.md#tasks-and-leads).
 */
export async function activityRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  resourceRoutes(app, pool, taskSpec);
  resourceRoutes(app, pool, leadSpec);
}
