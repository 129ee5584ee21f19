import { request } from 'node:http';
import type { Redis } from 'ioredis';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { apiConfigSchema, type ApiConfig } from '../../services/api/api.config';
import { buildApi } from '../../services/api/app';
import { loadConfig } from '../../lib/platform/config';
import { PrivateRedis } from '../support/private-redis';
import { testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { ADMIN_TOKEN, createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 20, defect 13: wrong API keys and operator tokens were answered 401 forever. Failures are counted per
 * client address in Redis (CAIRN_API_AUTH_FAILURES per CAIRN_API_AUTH_FAILURE_WINDOW_SECONDS); over the limit
 * the address gets 429 with Retry-After. Each client here connects from its own loopback address (127.0.0.x).
 */
const LIMIT = 5;
const WINDOW_SECONDS = 2;
let kit: ApiKit;
let goodKey: string;

beforeAll(async () => {
  kit = await startApiKit({ authFailuresPerAddress: LIMIT, authFailureWindowSeconds: WINDOW_SECONDS });
  goodKey = (await createWorkspace(kit, 'guessing')).key;
});
afterAll(async () => {
  await kit.close();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** One request from the given local address, on a fresh connection. */
function from(baseUrl: string, address: string, path: string, key?: string, method = 'GET'): Promise<Answer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        localAddress: address,
        agent: false,
        headers: key ? { authorization: `Bearer ${key}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

const badKey = (i: number): string => `cairn_${'0'.repeat(15)}${i.toString(16)}_${'x'.repeat(43)}`;

async function guess(address: string, times: number, baseUrl = kit.baseUrl): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await from(baseUrl, address, '/v1/contacts', badKey(i))).status);
  return statuses;
}

describe('credential guessing is limited per client address (defect 13)', () => {
  it('answers 429 with Retry-After after the limit; a good key from another address still works', async () => {
    expect(await guess('127.0.0.2', LIMIT)).toEqual(Array(LIMIT).fill(401));
    const refused = await from(kit.baseUrl, '127.0.0.2', '/v1/contacts', badKey(99));
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(JSON.parse(refused.body)).toMatchObject({ status: 429, type: 'https://cairn.dev/problems/rate-limited' });
    // the locked address learns nothing, not even from a right key
    expect((await from(kit.baseUrl, '127.0.0.2', '/v1/contacts', goodKey)).status).toBe(429);
    expect((await from(kit.baseUrl, '127.0.0.3', '/v1/contacts', goodKey)).status).toBe(200);
    expect((await from(kit.baseUrl, '127.0.0.3', '/v1/contacts', badKey(1))).status).toBe(401);
  });

  it('lets the address try again once the window has passed', async () => {
    expect(await guess('127.0.0.4', LIMIT + 1)).toEqual([...Array(LIMIT).fill(401), 429]);
    await waitFor(
      () => from(kit.baseUrl, '127.0.0.4', '/v1/contacts', goodKey),
      (answer) => answer.status === 200,
      (WINDOW_SECONDS + 3) * 1000,
    );
    expect((await from(kit.baseUrl, '127.0.0.4', '/v1/contacts', badKey(1))).status).toBe(401);
  });

  it('counts wrong operator tokens too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++)
      statuses.push((await from(kit.baseUrl, '127.0.0.5', '/v1/admin/workspaces', `wrong-token-${i}`, 'POST')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    expect((await from(kit.baseUrl, '127.0.0.5', '/v1/admin/workspaces', ADMIN_TOKEN, 'POST')).status).toBe(429);
  });

  it('does not count successful requests, nor requests that present no credential', async () => {
    for (let i = 0; i < LIMIT * 3; i++)
      expect((await from(kit.baseUrl, '127.0.0.6', '/v1/contacts', goodKey)).status).toBe(200);
    for (let i = 0; i < LIMIT * 3; i++) expect((await from(kit.baseUrl, '127.0.0.6', '/v1/contacts')).status).toBe(401);
    expect((await from(kit.baseUrl, '127.0.0.6', '/v1/contacts', goodKey)).status).toBe(200);
  });
});

describe('when Redis is down', () => {
  it('fails open: credentials are checked as usual, nobody is locked out', async () => {
    // the API's BullMQ queues print every refused reconnection while this Redis is down
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const redisServer = await new PrivateRedis(17_000 + Math.floor(Math.random() * 1000)).start();
    const redis: Redis = createRedis(redisServer.url);
    const config = {
      ...loadConfig(apiConfigSchema, {}),
      ...kit.env.settings,
      redisUrl: redisServer.url,
      queuePrefix: uniqueName('api'),
      authFailuresPerAddress: LIMIT,
      authFailureWindowSeconds: 600,
    } as ApiConfig;
    const app = await buildApi({
      config,
      pool: kit.pool,
      redis,
      clickhouse: kit.env.clickhouse,
      log: testLogger('api'),
      docsUi: false,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      expect(await guess('127.0.0.7', LIMIT + 1, baseUrl)).toEqual([...Array(LIMIT).fill(401), 429]);
      await redisServer.stop();
      expect(await guess('127.0.0.7', 2, baseUrl)).toEqual([401, 401]);
      expect((await from(baseUrl, '127.0.0.7', '/v1/contacts', goodKey)).status).toBe(200);
    } finally {
      await app.close();
      redis.disconnect();
      await redisServer.stop();
      quiet.mockRestore();
    }
  });
});
