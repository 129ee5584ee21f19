import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { loadConfig } from '../../lib/platform/config';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { apiConfigSchema, type ApiConfig } from '../../services/api/api.config';
import { buildApi } from '../../services/api/app';
import { createTestEnv, testLogger, uniqueName, type TestEnv } from '../support/test-env';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface ApiKit {
  env: TestEnv;
  app: FastifyInstance;
  baseUrl: string;
  pool: Pool;
  redis: Redis;
  config: ApiConfig;
  close(): Promise<void>;
}

/**
 * A real API on a loopback port over a fresh PostgreSQL/ClickHouse database and the shared Redis, driven with
 * fetch (jest on Node 20 cannot load light-my-request's ESM dependencies, so no app.inject()).
 */
export async function startApiKit(overrides: Partial<Record<keyof ApiConfig, unknown>> = {}): Promise<ApiKit> {
  const env = await createTestEnv('cairn_api');
  // Its own key prefix: test sends and rate-limit counters of one kit are not another's.
  const config = {
    ...loadConfig(apiConfigSchema, {}),
    ...env.settings,
    queuePrefix: uniqueName('api'),
    adminToken: ADMIN_TOKEN,
    // Tests that do not test sending domains go live with From addresses of domains nobody registered
    // (test/api/api-sending-domains.test.ts tests 'strict'); every kit can add sending domains.
    sendingDomains: 'relaxed',
    dkimKeyEncryptionKey: randomBytes(32),
    ...overrides,
  } as ApiConfig;
  const pool = createPgPool(env.postgresUrl, 5);
  const redis = createRedis(config.redisUrl);
  // The API reads as its own read-only user and erases as the erasure user, as in production (docs/clickhouse.md).
  const logins = await env.clickhouseLogins();
  const clickhouse = new ClickHouse({
    url: env.settings.clickhouseUrl,
    database: env.clickhouseDatabase,
    ...logins.api,
  });
  const clickhouseErasure = new ClickHouse({
    url: env.settings.clickhouseUrl,
    database: env.clickhouseDatabase,
    ...logins.erasure,
  });
  const app = await buildApi({
    config,
    pool,
    redis,
    clickhouse,
    clickhouseErasure,
    log: testLogger('api'),
    docsUi: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    env,
    app,
    baseUrl,
    pool,
    redis,
    config,
    async close() {
      await app.close();
      await pool.end();
      await redis.quit();
      await Promise.all([clickhouse.close(), clickhouseErasure.close()]);
      await env.cleanup();
    },
  };
}

export interface Reply {
  statusCode: number;
  body: string;
  headers: Headers;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function call(
  baseUrl: string,
  method: Method,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const isText = typeof payload === 'string';
  const res = await fetch(baseUrl + url, {
    method,
    headers: { ...(payload === undefined || isText ? {} : { 'content-type': 'application/json' }), ...headers },
    body: payload === undefined ? undefined : isText ? payload : JSON.stringify(payload),
  });
  const body = await res.text();
  return { statusCode: res.status, body, headers: res.headers, json: () => JSON.parse(body) };
}

export interface Workspace {
  id: string;
  key: string;
}

export async function createWorkspace(kit: ApiKit, name = 'ws'): Promise<Workspace> {
  const res = await call(
    kit.baseUrl,
    'POST',
    '/v1/admin/workspaces',
    { name },
    { authorization: `Bearer ${ADMIN_TOKEN}` },
  );
  if (res.statusCode !== 201) throw new Error(`bootstrap failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ key: string; workspace_id: string }>();
  return { id: body.workspace_id, key: body.key };
}

/** A small client bound to one key. */
export function client(kit: ApiKit, key: string) {
  return (method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    call(kit.baseUrl, method, url, payload, { authorization: `Bearer ${key}`, ...headers });
}

/** Default content settings for the workspace of `api`: what every email's check needs (docs/api.md#content-settings). */
export async function createDefaultContentSettings(api: ReturnType<typeof client>): Promise<Reply> {
  const res = await api('POST', '/v1/content-settings', {
    name: 'Default',
    subscription_center_url: 'https://prefs.example.com/c',
    postal_address: '1 Main St, Oslo',
    is_default: true,
  });
  if (res.statusCode !== 201) throw new Error(`content settings: ${res.statusCode} ${res.body}`);
  return res;
}

export const MJML_OK = `<mjml><mj-body><mj-section><mj-column>
<mj-text>Hello {{default contact.first_name "there"}} from {{default account.name "us"}}
{{#if (eq contact.attributes.city "Oslo")}}<p>Oslo offer</p>{{/if}}
<a href="https://example.com/offer?utm=1">Offer</a>
<a href="https://files.example.com/brochure.pdf">Brochure</a></mj-text>
<mj-text><a href="{{content.subscription_center_url}}">Manage subscriptions</a> {{content.postal_address}}</mj-text>
</mj-column></mj-section></mj-body></mjml>`;

/** A workspace's default content settings, which an email's go-live check asks for (subscription center, postal address). */
export async function addDefaultContentSettings(api: ReturnType<typeof client>): Promise<void> {
  const res = await api('POST', '/v1/content-settings', {
    name: 'D',
    subscription_center_url: 'https://p.example.com',
    postal_address: '1 Main St',
    is_default: true,
  });
  if (res.statusCode !== 201) throw new Error(`content settings: ${res.statusCode} ${res.body}`);
}
