import type { Pool } from 'pg';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { AUTH_FAILURE_POLICY } from '../../services/ingest/authenticate-first';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { httpRequest, ingestConfig, seed, startIngest } from './ingest-support';

/**
 * Issue 20, defect 13 (ingest): wrong API keys on /v1/events and wrong webhook secrets were answered 401 forever.
 * Refused credentials are counted per client address (the API's policy); over the limit the address gets 429
 * with Retry-After, while other addresses keep working. Behind a proxy, each test presents its own address.
 */
const LIMIT = 20;
const WINDOW_SECONDS = 600;
let env: TestEnv;
let pool: Pool;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let apiKey: string;
let secret: string;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_guess');
  pool = createPgPool(env.postgresUrl, 3);
  ingest = await startIngest(ingestConfig(env, { CAIRN_INGEST_TRUST_PROXY: 'true' }));
  const s = await seed(pool);
  apiKey = (await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['write'] })).key;
  secret = await createWebhookSecret(pool, s.workspaceId);
});
afterAll(async () => {
  await ingest?.cleanup();
  await pool?.end();
  await env?.cleanup();
});

const post = (ip: string, url: string, credential: string) =>
  httpRequest(ingest.url(), {
    method: 'POST',
    url,
    payload: '[]',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, authorization: `Bearer ${credential}` },
  });

it('the policy is 20 refused credentials per address per 10 minutes', () => {
  expect(AUTH_FAILURE_POLICY).toEqual({ limit: LIMIT, windowMs: WINDOW_SECONDS * 1000 });
});

describe.each([
  [
    '/v1/events',
    'an API key',
    (i: number) => `cairn_${'0'.repeat(15)}${i.toString(16)}_${'x'.repeat(43)}`,
    () => apiKey,
  ],
  [
    '/v1/webhooks/bounces',
    'a webhook secret',
    (i: number) => `whsec_${'0'.repeat(15)}${i.toString(16)}_${'x'.repeat(43)}`,
    () => secret,
  ],
])('%s: guessing %s is limited per client address (defect 13)', (url, _what, wrong, right) => {
  const net = url.includes('events') ? '10.7.1' : '10.7.2';

  it('answers 429 with Retry-After after the limit; the right credential from another address still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await post(`${net}.1`, url, wrong(i))).statusCode);
    expect(statuses).toEqual(Array(LIMIT).fill(401));
    const refused = await post(`${net}.1`, url, wrong(LIMIT));
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(WINDOW_SECONDS);
    // the locked address learns nothing, not even from the right credential
    expect((await post(`${net}.1`, url, right())).statusCode).toBe(429);
    // another address is authenticated (then told its empty batch is a 400)
    expect((await post(`${net}.2`, url, right())).statusCode).toBe(400);
    expect((await post(`${net}.2`, url, wrong(0))).statusCode).toBe(401);
  });

  it('does not count accepted credentials', async () => {
    for (let i = 0; i < LIMIT + 5; i++) expect((await post(`${net}.3`, url, right())).statusCode).toBe(400);
    expect((await post(`${net}.3`, url, wrong(0))).statusCode).toBe(401);
  });
});
