import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { workspaceOf } from './api-auth';
import { notFound } from './api-problem';
import { decodeCursor, noContent, pageQuerySchema, pageSchema, toPage } from './pagination';
import { getRow, idParams } from './resource-routes';

/** :id the parent, :contactId the member */
export const memberParams = {
  type: 'object',
  required: ['id', 'contactId'],
  properties: { id: { type: 'string', format: 'uuid' }, contactId: { type: 'string', format: 'uuid' } },
} as const;

/** A parent's children (a list's members, an email's versions, ...), one keyset page at a time. */
export interface ChildListSpec {
  url: string;
  tags: string[];
  summary: string;
  /** the parent named by :id, which must be the caller workspace's (404 otherwise) */
  parent: { table: string; noun: string };
  item: object;
  /**
   * SELECT with the key as `id`, ordered by it: $1 the workspace, $2 the parent id, $3 the last key of the
   * previous page (null, or `firstCursor`, on the first page), $4 the page size + 1.
   */
  select: string;
  /** the cursor of the first page for numeric keys (e.g. '0'); null otherwise */
  firstCursor?: string;
}

export function childListRoute(app: FastifyInstance, pool: Pool, spec: ChildListSpec): void {
  const schema = {
    tags: spec.tags,
    summary: spec.summary,
    params: idParams,
    querystring: pageQuerySchema,
    response: { 200: pageSchema(spec.item) },
  };
  app.withTypeProvider<JsonSchemaToTsProvider>().get(spec.url, { schema }, async (req) => {
    const workspaceId = workspaceOf(req);
    const { id } = req.params;
    const limit = req.query.limit ?? 50;
    await getRow(pool, spec.parent.table, spec.parent.noun, workspaceId, id);
    const { rows } = await pool.query<{ id: string }>(spec.select, [
      workspaceId,
      id,
      decodeCursor(req.query.cursor) ?? spec.firstCursor ?? null,
      limit + 1,
    ]);
    return toPage(rows, limit);
  });
}

/** Removes one child (a member) of a parent: `statement` gets $1 the workspace, $2 the parent id, $3 the contact id. */
export function memberRemovalRoute(
  app: FastifyInstance,
  pool: Pool,
  spec: { url: string; tags: string[]; summary: string; noun: string; statement: string },
): void {
  const schema = { tags: spec.tags, summary: spec.summary, params: memberParams, response: { 204: noContent } };
  app.withTypeProvider<JsonSchemaToTsProvider>().delete(spec.url, { schema }, async (req, reply) => {
    const { id, contactId } = req.params;
    const { rowCount } = await pool.query(spec.statement, [workspaceOf(req), id, contactId]);
    if (!rowCount) throw notFound(spec.noun);
    return reply.code(204).send(null);
  });
}
