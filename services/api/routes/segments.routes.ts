import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { PoolClient } from 'pg';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { ApiProblem } from '../api-problem';
import { childListRoute, memberRemovalRoute } from '../child-list';
import { getRow, idParams, resourceRoutes } from '../resource-routes';
import { previewCount, refreshSegment, validateDefinition } from '../segment-service';
import { assertContacts, contactIdsBody } from './lists.routes';

const definition = {
  type: 'object',
  additionalProperties: true,
  description: 'filter language (docs/api.md): {all|any|not|field/op/value|behaviour}',
} as const;
const tags = ['segments'];

interface SegmentRow {
  id: string;
  kind: 'static' | 'dynamic';
  definition: unknown;
}

const previewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['definition'],
  properties: { definition },
} as const;
const refreshed = {
  type: 'object',
  properties: { added: { type: 'integer' }, removed: { type: 'integer' }, member_count: { type: 'integer' } },
} as const;

export async function segmentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  resourceRoutes(app, deps.pool, {
    path: '/v1/segments',
    table: 'segments',
    noun: 'segment',
    tag: 'segments',
    writable: {
      name: { type: 'string', minLength: 1, maxLength: 300 },
      kind: { type: 'string', enum: ['static', 'dynamic'] },
      definition,
    },
    output: { member_count: { type: 'integer' }, refreshed_at: { type: ['string', 'null'], format: 'date-time' } },
    required: ['name', 'kind'],
    touchUpdatedAt: true,
    beforeWrite: checkSegmentWrite,
  });
  previewRoute(app, deps);
  refreshRoute(app, deps);
  segmentMemberRoutes(app, deps);
}

/** A segment keeps its kind; a dynamic one has a definition (checked here), a static one has members instead. */
async function checkSegmentWrite(
  client: PoolClient,
  workspaceId: string,
  body: Record<string, unknown>,
  id: string | null,
): Promise<void> {
  const current = id ? await getRow<SegmentRow>(client, 'segments', 'segment', workspaceId, id) : null;
  const kind = (body.kind as string | undefined) ?? current?.kind;
  if (current && body.kind && body.kind !== current.kind)
    throw new ApiProblem(400, 'a segment cannot change kind', [{ field: 'kind', message: 'is fixed at creation' }]);
  if (kind === 'dynamic' && !current && body.definition === undefined)
    throw new ApiProblem(400, 'a dynamic segment needs a definition', [
      { field: 'definition', message: 'is required for dynamic segments' },
    ]);
  if (kind === 'static' && body.definition !== undefined)
    throw new ApiProblem(400, 'a static segment has members, not a definition', [
      { field: 'definition', message: 'only for dynamic segments' },
    ]);
  if (body.definition !== undefined) validateDefinition(body.definition);
}

function previewRoute(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().post(
    '/v1/segments/preview',
    {
      schema: {
        tags,
        summary: 'Count the contacts a definition matches now',
        body: previewBody,
        response: { 200: { type: 'object', properties: { count: { type: 'integer' } } } },
      },
    },
    async (req) => ({
      count: await previewCount(pool, clickhouse, workspaceOf(req), req.body.definition),
    }),
  );
}

function refreshRoute(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().post(
    '/v1/segments/:id/refresh',
    {
      schema: {
        tags,
        summary: 'Recompute a dynamic segment in bulk (new members flow into live journeys)',
        params: idParams,
        response: { 200: refreshed },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const segment = await getRow<SegmentRow>(pool, 'segments', 'segment', workspaceId, req.params.id);
      if (segment.kind !== 'dynamic')
        throw new ApiProblem(409, 'only dynamic segments are refreshed; static segments change through /members');
      return refreshSegment(pool, clickhouse, workspaceId, segment.id, segment.definition);
    },
  );
}

function segmentMemberRoutes(untyped: FastifyInstance, deps: ApiDeps): void {
  const { pool } = deps;
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  app.post(
    '/v1/segments/:id/members',
    {
      schema: {
        tags,
        summary: 'Add contacts to a static segment',
        params: idParams,
        body: contactIdsBody,
        response: { 200: { type: 'object', properties: { added: { type: 'integer' } } } },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const ids = req.body.contact_ids;
      return inTransaction(pool, async (client) => {
        const segment = await getRow<SegmentRow>(client, 'segments', 'segment', workspaceId, req.params.id, true);
        if (segment.kind !== 'static')
          throw new ApiProblem(409, 'members of a dynamic segment come from its definition');
        await assertContacts(client, workspaceId, ids);
        const { rowCount } = await client.query(
          'INSERT INTO segment_members (segment_id, contact_id, workspace_id) SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING',
          [segment.id, ids, workspaceId],
        );
        await client.query(
          'UPDATE segments SET member_count = (SELECT count(*) FROM segment_members WHERE segment_id = $1), refreshed_at = now() WHERE id = $1',
          [segment.id],
        );
        return { added: rowCount ?? 0 };
      });
    },
  );
  memberRemovalRoute(untyped, pool, {
    url: '/v1/segments/:id/members/:contactId',
    tags,
    summary: 'Remove a contact from a static segment',
    noun: 'segment member',
    statement:
      "DELETE FROM segment_members m USING segments s WHERE s.id = m.segment_id AND s.kind = 'static' AND m.workspace_id = $1 AND m.segment_id = $2 AND m.contact_id = $3",
  });
  const member = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      contact_id: { type: 'string' },
      added_at: { type: 'string', format: 'date-time' },
    },
  };
  childListRoute(untyped, pool, {
    url: '/v1/segments/:id/members',
    tags,
    summary: 'List members of a segment',
    parent: { table: 'segments', noun: 'segment' },
    item: member,
    select:
      'SELECT contact_id AS id, contact_id, added_at FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 AND ($3::uuid IS NULL OR contact_id > $3::uuid) ORDER BY contact_id LIMIT $4',
  });
}
