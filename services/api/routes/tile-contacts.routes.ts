import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import {
  tileContactIds,
  tileContacts,
  TILE_STATE_NAMES,
  type TileContact,
  type TileContactsFilter,
} from '../insights/tile-contacts';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import type { ApiDeps } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { notFound } from '../api-problem';
import { decodeKeyset, keysetPage } from '../pagination';
import { getRow } from '../resource-routes';
import { accountContacts, dates, sendCsv } from './insights.routes';
import { accountFilter, keysetListing, range } from './insights.schemas';
import { workspaceTimeZone } from './workspaces.routes';

const tags = ['insights'];
const tileParams = {
  type: 'object',
  required: ['id', 'tileId'],
  properties: { id: { type: 'string', format: 'uuid' }, tileId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;
const selection = {
  state: {
    type: 'string',
    enum: TILE_STATE_NAMES,
    description: 'inflow, processing, blocked, failed, processed, or path (with path_id)',
  },
  reason: { type: 'string', maxLength: 200, description: 'blocked: reason; failed: error code' },
  path_id: { type: 'string', maxLength: 200, description: 'path: the path taken' },
  iteration: { type: 'integer', minimum: 0, description: 'one iteration of a recurring journey' },
  ...accountFilter,
} as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['state'],
  properties: {
    ...range,
    ...selection,
    ...keysetListing,
  },
} as const;
const contactRow = {
  type: 'object',
  properties: {
    contactId: { type: 'string' },
    iteration: { type: 'integer' },
    at: { type: 'string' },
    details: { type: 'array', items: { type: 'string' } },
  },
} as const;

interface Selection {
  state: string;
  reason?: string;
  path_id?: string;
  iteration?: number;
  account_id?: string;
  from?: string;
  to?: string;
}

/** The journey (404 unless the caller's workspace owns it and its graph has the tile) and the tile filter. */
async function tileFilterOf(
  pool: Pool,
  workspaceId: string,
  journeyId: string,
  tileId: string,
  query: Selection,
): Promise<Omit<TileContactsFilter, 'limit'>> {
  const journey = await getRow<{ graph: { tiles?: { id: string }[] } }>(
    pool,
    'journeys',
    'journey',
    workspaceId,
    journeyId,
  );
  if (!(journey.graph.tiles ?? []).some((tile) => tile.id === tileId)) throw notFound('tile');
  const timeZone = await workspaceTimeZone(pool, workspaceId);
  const contactIds = await accountContacts(pool, workspaceId, query.account_id);
  return {
    workspaceId,
    journeyId,
    tileId,
    state: query.state,
    reason: query.reason,
    pathId: query.path_id,
    iteration: query.iteration,
    timeZone,
    contactIds,
    ...dates(query),
  };
}

const listResponse = {
  type: 'object',
  properties: { items: { type: 'array', items: contactRow }, next_cursor: { type: ['string', 'null'] } },
} as const;
const segmentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'state'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 300 }, ...selection },
} as const;
const created = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    member_count: { type: 'integer' },
  },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE = '/v1/insights/journeys/:id/tiles/:tileId';

/** Journey-tile drill-down: the contacts in each tile state (JSON or CSV, keyset-paged), saved as a static segment. */
export async function tileContactsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  tileContactsRoute(app, deps);
  tileContactsCsvRoute(app, deps);
  tileSegmentRoute(app, deps);
}

/** One keyset page of a tile state's contacts, at most `maxLimit` rows. */
async function tileContactsPage(
  { pool, clickhouse }: ApiDeps,
  workspaceId: string,
  params: { id: string; tileId: string },
  query: Selection & { limit?: number; cursor?: string },
  maxLimit: number,
) {
  const filter = await tileFilterOf(pool, workspaceId, params.id, params.tileId, query);
  const limit = Math.min(maxLimit, query.limit ?? 50);
  const key = decodeKeyset(query.cursor, ['string', 'number']);
  const after = key ? { contactId: String(key[0]), iteration: Number(key[1]) } : undefined;
  const rows = await tileContacts(clickhouse, { ...filter, after, limit: limit + 1 });
  return keysetPage(rows, limit, (row: TileContact) => [row.contactId, row.iteration]);
}

function tileContactsRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    `${BASE}/contacts`,
    {
      schema: {
        tags,
        summary: 'Contacts in one tile state, one row per contact and iteration, keyset-paged',
        params: tileParams,
        querystring: listQuery,
        response: { 200: listResponse },
      },
    },
    async (req) => tileContactsPage(deps, workspaceOf(req), req.params, req.query, 500),
  );
}

function tileContactsCsvRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().get(
    `${BASE}/contacts.csv`,
    {
      schema: {
        tags,
        summary: 'The same list as CSV (text/csv, up to 10,000 rows a page; x-next-cursor header for the next)',
        params: tileParams,
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const result = await tileContactsPage(deps, workspaceOf(req), req.params, req.query, 10_000);
      return sendCsv(reply, result.next_cursor, [
        ['contact_id', 'iteration', 'at', 'details'],
        ...result.items.map((r) => [r.contactId, r.iteration, r.at, r.details.join(' ')]),
      ]);
    },
  );
}

function tileSegmentRoute(app: FastifyInstance, { pool, clickhouse }: ApiDeps): void {
  app.withTypeProvider<JsonSchemaToTsProvider>().post(
    `${BASE}/segments`,
    {
      schema: {
        tags,
        summary: "Save a tile state's contacts as a static segment",
        params: tileParams,
        body: segmentBody,
        response: { 201: created },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const filter = await tileFilterOf(pool, workspaceId, req.params.id, req.params.tileId, req.body);
      // events may name contacts erased or never in PostgreSQL: only this workspace's existing contacts join
      const ids = (await tileContactIds(clickhouse, filter)).filter((id) => UUID.test(id));
      const segment = await saveStaticSegment(pool, workspaceId, req.body.name, ids);
      return reply.code(201).send(segment);
    },
  );
}

/** A new static segment of the workspace's contacts among `ids`, with its member count. */
async function saveStaticSegment(pool: Pool, workspaceId: string, name: string, ids: string[]) {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; name: string; kind: string }>(
      "INSERT INTO segments (workspace_id, name, kind) VALUES ($1, $2, 'static') RETURNING id, name, kind",
      [workspaceId, name],
    );
    const row = rows[0] as { id: string; name: string; kind: string };
    const added = await client.query(
      'INSERT INTO segment_members (segment_id, contact_id, workspace_id) SELECT $1, c.id, $3 FROM contacts c WHERE c.workspace_id = $3 AND c.id = ANY($2::uuid[]) ON CONFLICT DO NOTHING',
      [row.id, ids, workspaceId],
    );
    await client.query('UPDATE segments SET member_count = $2, refreshed_at = now() WHERE id = $1', [
      row.id,
      added.rowCount ?? 0,
    ]);
    return { ...row, member_count: added.rowCount ?? 0 };
  });
}
