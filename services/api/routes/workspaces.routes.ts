import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { API_KEY_SCOPES, createApiKey } from '../../../lib/domain/auth/api-keys';
import { inTransaction } from '../../../lib/platform/postgres/pg-pool';
import { workspaceOf } from '../api-auth';
import { ApiProblem, notFound } from '../api-problem';
import { validTimeZone } from '../journeys/time-zone';
import { quietHoursIssue } from '../journeys/quiet-hours-check';
import { originProblem } from '../../../lib/domain/forms/form-origins';
import { type PageQuery } from '../pagination';
import {
  changeSettingsSchema,
  createKeySchema,
  createWorkspaceSchema,
  listKeysSchema,
  readSettingsSchema,
  revokeKeySchema,
  rotateSecretSchema,
} from './workspaces.schemas';

/** Workspaces, their settings and their API keys; one function per route, in the order they are documented. */
export async function workspaceRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  readSettingsRoute(app, pool);
  changeSettingsRoute(app, pool);
  rotateSecretRoute(app, pool);
  createWorkspaceRoute(app, pool);
  createKeyRoute(app, pool);
  listKeysRoute(app, pool);
  revokeKeyRoute(app, pool);
}

function createWorkspaceRoute(app: FastifyInstance, pool: Pool): void {
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .post('/v1/admin/workspaces', { config: { admin: true }, schema: createWorkspaceSchema }, async (req, reply) => {
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
    });
}

function createKeyRoute(app: FastifyInstance, pool: Pool): void {
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .post('/v1/api-keys', { config: { scope: 'admin' }, schema: createKeySchema }, async (req, reply) => {
      const workspaceId = workspaceOf(req);
      const { body } = req;
      const created = await createApiKey(pool, { workspaceId, scopes: body.scopes, name: body.name ?? '' });
      return reply
        .code(201)
        .send({ key: created.key, key_id: created.keyId, workspace_id: workspaceId, scopes: body.scopes });
    });
}

function listKeysRoute(app: FastifyInstance, pool: Pool): void {
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .get('/v1/api-keys', { config: { scope: 'admin' }, schema: listKeysSchema }, async (req) => {
      const page = await listKeys(pool, workspaceOf(req), req.query);
      return page;
    });
}

function revokeKeyRoute(app: FastifyInstance, pool: Pool): void {
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .delete('/v1/api-keys/:keyId', { config: { scope: 'admin' }, schema: revokeKeySchema }, async (req, reply) => {
      const { rowCount } = await pool.query(
        'UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE workspace_id = $1 AND id = $2',
        [workspaceOf(req), req.params.keyId],
      );
      if (!rowCount) throw notFound('API key');
      return reply.code(204).send(null);
    });
}

/**
 * The caller's workspace settings: the time zone in which insights count days
 * (docs/kpis.md#filters-days-journey-tile-version-account), whether the sender blocks role addresses
 * (docs/sender.md#eligibility-before-every-message) and the frequency cap (docs/scheduler.md#frequency-cap).
 */
const SELECT_SETTINGS =
  'SELECT id, name, time_zone, block_role_addresses, frequency_caps, quiet_hours, form_origins, route_name AS route, webhook_secret_rotated_at FROM workspaces WHERE id = $1';

function readSettingsRoute(app: FastifyInstance, pool: Pool): void {
  app.get(
    '/v1/workspace',
    { schema: readSettingsSchema },
    async (req) => (await pool.query(SELECT_SETTINGS, [workspaceOf(req)])).rows[0],
  );
}

function changeSettingsRoute(app: FastifyInstance, pool: Pool): void {
  app
    .withTypeProvider<JsonSchemaToTsProvider>()
    .patch('/v1/workspace', { config: { scope: 'admin' }, schema: changeSettingsSchema }, async (req) => {
      const workspaceId = workspaceOf(req);
      const { body } = req;
      if (body.time_zone !== undefined && !validTimeZone(body.time_zone))
        throw new ApiProblem(400, 'unknown time zone', [
          { field: 'body.time_zone', message: 'use an IANA name such as Europe/Oslo' },
        ]);
      const caps = body.frequency_caps;
      const repeated = caps?.findIndex((rule, i) => caps.findIndex((r) => r.window_hours === rule.window_hours) < i);
      if (repeated !== undefined && repeated >= 0)
        throw new ApiProblem(422, 'one frequency cap rule per window', [
          { field: `body.frequency_caps[${repeated}].window_hours`, message: 'another rule has this window' },
        ]);
      const quiet = body.quiet_hours ? quietHoursIssue(body.quiet_hours, 'body.quiet_hours') : null;
      if (quiet) throw new ApiProblem(422, 'quiet hours that cannot work', [quiet]);
      const origins = (body.form_origins ?? []).flatMap((origin, i) => {
        const problem = originProblem(origin);
        return problem ? [{ field: `form_origins[${i}]`, message: problem }] : [];
      });
      if (origins.length > 0) throw new ApiProblem(422, 'form origins must be canonical origins', origins);
      await pool.query(
        `UPDATE workspaces SET name = coalesce($2, name), time_zone = coalesce($3, time_zone),
                block_role_addresses = coalesce($4, block_role_addresses),
                frequency_caps = coalesce($5::jsonb, frequency_caps),
                quiet_hours = CASE WHEN $6 THEN $7::jsonb ELSE quiet_hours END,
                form_origins = coalesce($8::text[], form_origins) WHERE id = $1`,
        [
          workspaceId,
          body.name ?? null,
          body.time_zone ?? null,
          body.block_role_addresses ?? null,
          caps === undefined ? null : JSON.stringify(caps),
          body.quiet_hours !== undefined,
          body.quiet_hours ? JSON.stringify(body.quiet_hours) : null,
          body.form_origins === undefined ? null : [...new Set(body.form_origins)],
        ],
      );
      return (await pool.query(SELECT_SETTINGS, [workspaceId])).rows[0];
    });
}

function rotateSecretRoute(app: FastifyInstance, pool: Pool): void {
  app.post('/v1/workspace/webhook-secret', { config: { scope: 'admin' }, schema: rotateSecretSchema }, async (req) => {
    // A new value from the column's default (sql/postgres/0130), so one generator makes every secret.
    const { rows } = await pool.query(
      'UPDATE workspaces SET webhook_secret = DEFAULT, webhook_secret_rotated_at = now() WHERE id = $1 RETURNING webhook_secret, webhook_secret_rotated_at',
      [workspaceOf(req)],
    );
    return rows[0];
  });
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
