import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { workspaceOf } from './api-auth';
import { ApiProblem, notFound } from './api-problem';
import { decodeCursor, noContent, pageQuerySchema, pageSchema, toPage, type PageQuery } from './pagination';

type Operation = 'create' | 'list' | 'get' | 'update' | 'delete';
type Body = Record<string, unknown>;

/**
 * A plain workspace-scoped resource: CRUD + cursor list from one declaration. Only the declared writable fields
 * reach SQL (the body schema rejects any other field, so workspace_id, status or id cannot be mass-assigned),
 * and every statement is scoped by the calling key's workspace, so another workspace's ids answer 404.
 */
export interface ResourceSpec {
  path: string;
  table: string;
  noun: string;
  tag: string;
  writable: Record<string, object>;
  required: string[];
  output?: Record<string, object>;
  /** field -> table that must hold that id in the same workspace */
  references?: Record<string, string>;
  listFilters?: Record<string, object>;
  /** query parameter -> a date-time bound on a column: `from` is inclusive (>=), `to` exclusive (<) */
  rangeFilters?: Record<string, RangeFilter>;
  operations?: Operation[];
  touchUpdatedAt?: boolean;
  /** runs in the write's transaction; the request carries the key's scopes (api-auth.ts requireScope) */
  beforeWrite?: (
    client: PoolClient,
    workspaceId: string,
    body: Body,
    id: string | null,
    request: FastifyRequest,
  ) => Promise<void>;
}

export interface RangeFilter {
  column: string;
  bound: 'from' | 'to';
}

const quote = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad identifier ${name}`);
  return `"${name}"`;
};

const toParam = (value: unknown): unknown =>
  value !== null && typeof value === 'object' ? JSON.stringify(value) : value;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;
type IdParams = FromSchema<typeof idParams>;

export function itemSchema(spec: Pick<ResourceSpec, 'writable' | 'output'>): object {
  return {
    type: 'object',
    additionalProperties: true,
    properties: {
      id: { type: 'string' },
      ...spec.writable,
      ...spec.output,
      created_at: { type: 'string', format: 'date-time' },
    },
  };
}

export async function assertReferences(
  client: PoolClient | Pool,
  workspaceId: string,
  spec: Pick<ResourceSpec, 'references'>,
  body: Body,
): Promise<void> {
  for (const [field, table] of Object.entries(spec.references ?? {})) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    const { rowCount } = await client.query(`SELECT 1 FROM ${quote(table)} WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      value,
    ]);
    if (!rowCount)
      throw new ApiProblem(404, `${field} names no resource in this workspace`, [{ field, message: 'not found' }]);
  }
}

export async function listRows<T extends { id: string }>(
  db: Pool,
  table: string,
  workspaceId: string,
  query: PageQuery & Record<string, unknown>,
  filters: string[] = [],
  ranges: Record<string, RangeFilter> = {},
): Promise<{ items: T[]; next_cursor: string | null }> {
  const limit = query.limit ?? 50;
  const params: unknown[] = [workspaceId, decodeCursor(query.cursor), limit + 1];
  const where = filters.filter((f) => query[f] !== undefined).map((f) => `${quote(f)} = $${params.push(query[f])}`);
  for (const [name, { column, bound }] of Object.entries(ranges))
    if (query[name] !== undefined)
      where.push(`${quote(column)} ${bound === 'from' ? '>=' : '<'} $${params.push(query[name])}::timestamptz`);
  const text = `SELECT * FROM ${quote(table)} WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid) ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY id LIMIT $3`;
  const { rows } = await db.query<T>(text, params);
  return toPage(rows, limit);
}

export async function getRow<T>(
  db: Pool | PoolClient,
  table: string,
  noun: string,
  workspaceId: string,
  id: string,
  lock = false,
): Promise<T> {
  const { rows } = await db.query(
    `SELECT * FROM ${quote(table)} WHERE workspace_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound(noun);
  return rows[0] as T;
}

async function insertRow(client: PoolClient, spec: ResourceSpec, workspaceId: string, body: Body): Promise<Body> {
  const fields = Object.keys(spec.writable).filter((field) => body[field] !== undefined);
  const params = [workspaceId, ...fields.map((field) => toParam(body[field]))];
  const columns = ['workspace_id', ...fields].map(quote).join(', ');
  const values = params.map((_, i) => `$${i + 1}`).join(', ');
  const { rows } = await client.query(
    `INSERT INTO ${quote(spec.table)} (${columns}) VALUES (${values}) RETURNING *`,
    params,
  );
  return rows[0] as Body;
}

async function updateRow(
  client: PoolClient,
  spec: ResourceSpec,
  workspaceId: string,
  id: string,
  body: Body,
): Promise<Body> {
  const fields = Object.keys(spec.writable).filter((field) => body[field] !== undefined);
  const params: unknown[] = [workspaceId, id, ...fields.map((field) => toParam(body[field]))];
  const sets = fields.map((field, i) => `${quote(field)} = $${i + 3}`);
  if (spec.touchUpdatedAt) sets.push('updated_at = now()');
  if (sets.length === 0) return getRow(client, spec.table, spec.noun, workspaceId, id);
  const { rows } = await client.query(
    `UPDATE ${quote(spec.table)} SET ${sets.join(', ')} WHERE workspace_id = $1 AND id = $2 RETURNING *`,
    params,
  );
  if (!rows[0]) throw notFound(spec.noun);
  return rows[0] as Body;
}

type Write = (request: FastifyRequest, body: Body, id: string | null) => Promise<Body>;

/** What each operation's route is built from: the spec, its item schema and tags, and the one write path. */
interface ResourceRoute {
  spec: ResourceSpec;
  item: object;
  tags: string[];
  write: Write;
}

/** The resource's routes, in the order they are documented: create, list, get, update, delete. */
export function resourceRoutes(app: FastifyInstance, pool: Pool, spec: ResourceSpec): void {
  const ops = new Set<Operation>(spec.operations ?? ['create', 'list', 'get', 'update', 'delete']);
  const route: ResourceRoute = { spec, item: itemSchema(spec), tags: [spec.tag], write: writeOf(pool, spec) };
  if (ops.has('create')) createRoute(app, route);
  if (ops.has('list')) listRoute(app, pool, route);
  if (ops.has('get')) getRoute(app, pool, route);
  if (ops.has('update')) updateRoute(app, route);
  if (ops.has('delete')) deleteRoute(app, pool, route);
}

/** Inserts (id null) or updates one row in a transaction, after the references and the spec's own check. */
function writeOf(pool: Pool, spec: ResourceSpec): Write {
  return async (request, body, id) =>
    inTransaction(pool, async (client) => {
      const workspaceId = workspaceOf(request);
      await assertReferences(client, workspaceId, spec, body);
      await spec.beforeWrite?.(client, workspaceId, body, id, request);
      return id === null ? insertRow(client, spec, workspaceId, body) : updateRow(client, spec, workspaceId, id, body);
    });
}

const bodySchema = (spec: ResourceSpec, required: string[]) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties: spec.writable,
});

// The schemas are built from the spec at run time, so the route types are declared here rather than inferred.
function createRoute(app: FastifyInstance, { spec, item, tags, write }: ResourceRoute): void {
  app.post<{ Body: Body }>(
    spec.path,
    {
      schema: {
        tags,
        summary: `Create a ${spec.noun}`,
        body: bodySchema(spec, spec.required),
        response: { 201: item },
      },
    },
    async (req, reply) => reply.code(201).send(await write(req, req.body, null)),
  );
}

function listRoute(app: FastifyInstance, pool: Pool, { spec, item, tags }: ResourceRoute): void {
  app.get<{ Querystring: PageQuery & Record<string, unknown> }>(
    spec.path,
    {
      schema: {
        tags,
        summary: `List ${spec.noun}s`,
        querystring: {
          ...pageQuerySchema,
          properties: { ...pageQuerySchema.properties, ...spec.listFilters, ...rangeSchemas(spec.rangeFilters) },
        },
        response: { 200: pageSchema(item) },
      },
    },
    async (req) =>
      listRows(pool, spec.table, workspaceOf(req), req.query, Object.keys(spec.listFilters ?? {}), spec.rangeFilters),
  );
}

const rangeSchemas = (ranges: Record<string, RangeFilter> = {}): Record<string, object> =>
  Object.fromEntries(
    Object.entries(ranges).map(([name, { column, bound }]) => [
      name,
      { type: 'string', format: 'date-time', description: `${column} ${bound === 'from' ? 'at or after' : 'before'}` },
    ]),
  );

function getRoute(app: FastifyInstance, pool: Pool, { spec, item, tags }: ResourceRoute): void {
  app.get<{ Params: IdParams }>(
    `${spec.path}/:id`,
    { schema: { tags, summary: `Get a ${spec.noun}`, params: idParams, response: { 200: item } } },
    async (req) => getRow(pool, spec.table, spec.noun, workspaceOf(req), req.params.id),
  );
}

function updateRoute(app: FastifyInstance, { spec, item, tags, write }: ResourceRoute): void {
  app.patch<{ Params: IdParams; Body: Body }>(
    `${spec.path}/:id`,
    {
      schema: {
        tags,
        summary: `Update a ${spec.noun}`,
        params: idParams,
        body: bodySchema(spec, []),
        response: { 200: item },
      },
    },
    async (req) => write(req, req.body, req.params.id),
  );
}

function deleteRoute(app: FastifyInstance, pool: Pool, { spec, tags }: ResourceRoute): void {
  app.delete<{ Params: IdParams }>(
    `${spec.path}/:id`,
    { schema: { tags, summary: `Delete a ${spec.noun}`, params: idParams, response: { 204: noContent } } },
    async (req, reply) => {
      const { rowCount } = await pool.query(`DELETE FROM ${quote(spec.table)} WHERE workspace_id = $1 AND id = $2`, [
        workspaceOf(req),
        req.params.id,
      ]);
      if (!rowCount) throw notFound(spec.noun);
      return reply.code(204).send();
    },
  );
}
