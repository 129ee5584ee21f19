import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { API_KEY_SCOPES, createApiKey } from '../../../lib/domain/auth/api-keys';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { validTimeZone } from '../journeys/journey-check';

import { noContent, pageQuerySchema, pageSchema, type PageQuery } from '../pagination';

const scopes = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: API_KEY_SCOPES },
} as const;
const keyCreated = {
  type: 'object',
  properties: {
    key: { type: 'string', description: 'shown once; store it now' },
    key_id: { type: 'string' },
    workspace_id: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
};
const webhookSecret = {
  type: 'string',
  description: "the workspace's webhook signing secret (x-cairn-signature); shown once: store it now",
} as const;
const workspaceCreated = { ...keyCreated, properties: { ...keyCreated.properties, webhook_secret: webhookSecret } };
const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

export async function workspaceRoutes(untyped: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const app = untyped.withTypeProvider<JsonSchemaToTsProvider>();
  workspaceSettingsRoutes(app, pool);
  app.post(
    '/v1/admin/workspaces',
    {
      config: { admin: true },
      schema: {
        tags: ['workspaces'],
        summary:
          'Operator bootstrap: create a workspace, its first API key and its webhook signing secret (Authorization: Bearer $CAIRN_ADMIN_TOKEN)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            key_name: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: workspaceCreated },
      },
    },
    async (req, reply) => {
      const { body } = req;
      const allScopes = [...API_KEY_SCOPES];
      const result = await inTransaction(pool, async (client) => {
        // The signing secret is the column's default (sql/postgres/0130): made by PostgreSQL, returned this once.
        const { rows } = await client.query<{ id: string; webhook_secret: string }>(
          'INSERT INTO workspaces (name) VALUES ($1) RETURNING id, webhook_secret',
          [body.name],
        );
        const { id: workspaceId, webhook_secret } = rows[0] as { id: string; webhook_secret: string };
        const created = await createApiKey(client as unknown as Pool, {
          workspaceId,
          scopes: allScopes,
          name: body.key_name ?? 'bootstrap',
        });
        return {
          key: created.key,
          key_id: created.keyId,
          workspace_id: workspaceId,
          scopes: allScopes,
          webhook_secret,
        };
      });
      return reply.code(201).send(result);
    },
  );
  app.post(
    '/v1/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['workspaces'],
        summary: "Create another API key in the caller's workspace",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['scopes'],
          properties: { name: { type: 'string', maxLength: 200 }, scopes },
        },
        response: { 201: keyCreated },
      },
    },
    async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const { body } = req;
      const created = await createApiKey(pool, { workspaceId, scopes: body.scopes, name: body.name ?? '' });
      return reply
        .code(201)
        .send({ key: created.key, key_id: created.keyId, workspace_id: workspaceId, scopes: body.scopes });
    },
  );
  app.get(
    '/v1/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['workspaces'],
        summary: 'List API keys (never their secrets)',
        querystring: pageQuerySchema,
        response: { 200: pageSchema(keySchema) },
      },
    },
    async (req) => {
      const page = await listKeys(pool, workspaceOf(req), req.query);
      return page;
    },
  );
  app.delete(
    '/v1/api-keys/:keyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['workspaces'],
        summary: 'Revoke an API key',
        params: {
          type: 'object',
          required: ['keyId'],
          properties: { keyId: { type: 'string', pattern: '^[a-z0-9]{12}$' } },
        },
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      const { rowCount } = await pool.query(
        'UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE workspace_id = $1 AND id = $2',
        [workspaceOf(req), req.params.keyId],
      );
      if (!rowCount) throw notFound('API key');
      return reply.code(204).send(null);
    },
  );
}

const settingsSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    time_zone: { type: 'string', description: 'IANA time zone of insights days' },
    webhook_secret_rotated_at: {
      type: 'string',
      format: 'date-time',
      description: 'when the webhook signing secret was made (the secret itself is never shown again)',
    },
  },
} as const;

/**
 * The caller's workspace settings: the time zone in which insights count days
 * (docs/kpis.md#filters-days-journey-version-account).
 */
function workspaceSettingsRoutes(app: ReturnType<FastifyInstance['withTypeProvider']>, pool: Pool): void {
  const read = async (workspaceId: string): Promise<unknown> =>
    (
      await pool.query('SELECT id, name, time_zone, webhook_secret_rotated_at FROM workspaces WHERE id = $1', [
        workspaceId,
      ])
    ).rows[0];
  app.get(
    '/v1/workspace',
    {
      schema: {
        tags: ['workspaces'],
        summary: "The caller's workspace and its settings",
        response: { 200: settingsSchema },
      },
    },
    async (req) => read(workspaceOf(req)),
  );
  app.patch(
    '/v1/workspace',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['workspaces'],
        summary: "Change the caller's workspace settings (time_zone: IANA name, e.g. Europe/Oslo)",
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            time_zone: { type: 'string', minLength: 1, maxLength: 64 },
          },
        },
        response: { 200: settingsSchema },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const body = req.body as { name?: string; time_zone?: string };
      if (body.time_zone !== undefined && !validTimeZone(body.time_zone))
        throw new ApiProblem(400, 'unknown time zone', [
          { field: 'body.time_zone', message: 'use an IANA name such as Europe/Oslo' },
        ]);
      await pool.query(
        'UPDATE workspaces SET name = coalesce($2, name), time_zone = coalesce($3, time_zone) WHERE id = $1',
        [workspaceId, body.name ?? null, body.time_zone ?? null],
      );
      return read(workspaceId);
    },
  );
  const rotated = {
    type: 'object',
    properties: { webhook_secret: webhookSecret, webhook_secret_rotated_at: { type: 'string', format: 'date-time' } },
  } as const;
  app.post(
    '/v1/workspace/webhook-secret',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['workspaces'],
        summary:
          'Rotate the webhook signing secret: a new one signs from now on, the old one no longer does (shown once)',
        response: { 200: rotated },
      },
    },
    async (req) => {
      // A new value from the column's default (sql/postgres/0130), so one generator makes every secret.
      const { rows } = await pool.query(
        'UPDATE workspaces SET webhook_secret = DEFAULT, webhook_secret_rotated_at = now() WHERE id = $1 RETURNING webhook_secret, webhook_secret_rotated_at',
        [workspaceOf(req)],
      );
      return rows[0];
    },
  );
}

/** The workspace's insights time zone (UTC until set). */
export async function workspaceTimeZone(pool: Pool, workspaceId: string): Promise<string> {
  const { rows } = await pool.query<{ time_zone: string }>('SELECT time_zone FROM workspaces WHERE id = $1', [
    workspaceId,
  ]);
  return rows[0]?.time_zone ?? 'UTC';
}

/** api_keys ids are not uuids, so the generic keyset list does not apply. */
async function listKeys(pool: Pool, workspaceId: string, query: PageQuery): Promise<unknown> {
  const limit = query.limit ?? 50;
  const after = query.cursor ? Buffer.from(query.cursor, 'base64url').toString('utf8') : '';
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM api_keys WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3',
    [workspaceId, after, limit + 1],
  );
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null };
}
