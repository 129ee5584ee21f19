import type { Pool } from 'pg';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { loadConfig } from '../../lib/platform/config';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { decodeForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import { ingestSchema } from '../../services/ingest/ingest.config';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import {
  answerBeforeBody,
  BROWSER_UA,
  DESTINATION,
  httpRequest,
  ingestConfig,
  seed,
  type Seeded,
  startIngest,
  tokenFor,
  TopicReader,
  TRACKING_KEYS,
} from './ingest-support';

/** What the review of issue 11 found: each defect's attack, refused, recording nothing. */
const BAD_TOKEN_LIMIT = 5;
let env: TestEnv;
let pool: Pool;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let reader: TopicReader;
let s: Seeded;
let other: Seeded;
const negatives: string[] = [];
let clientCount = 0;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_hard');
  pool = createPgPool(env.postgresUrl, 3);
  // Behind a proxy: each test presents its own client address, so one test's bad-token budget is not another's.
  const config = ingestConfig(env, {
    CAIRN_INGEST_BAD_TOKENS_PER_IP: String(BAD_TOKEN_LIMIT),
    CAIRN_INGEST_TRUST_PROXY: 'true',
  });
  ingest = await startIngest(config);
  reader = await new TopicReader(env.kafka, [env.topics.emailEvents, env.topics.forwardRequests]).start();
  s = await seed(pool);
  other = await seed(pool);
});

afterAll(async () => {
  await reader?.stop();
  await ingest?.cleanup();
  await pool?.end();
  await env?.cleanup();
});

/** A fresh client address (X-Forwarded-For) for each caller. */
const client = (): string => `10.1.${Math.floor(++clientCount / 250)}.${clientCount % 250}`;
const send = (ip: string, method: string, url: string, payload?: string, headers: Record<string, string> = {}) =>
  httpRequest(ingest.url(), {
    method,
    url,
    payload,
    headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': ip, ...headers },
  });
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const forwardsOf = (messageId: string) =>
  reader.raw
    .filter((m) => m.topic === env.topics.forwardRequests)
    .map((m) => decodeForwardRequest(m.value))
    .filter((r) => r?.original_message_id === messageId);

describe('defect 1: one spelling per token', () => {
  it('refuses a token with a character appended or other unused low bits in its last character', async () => {
    const ip = client();
    const click = tokenFor(s, { linkId: s.links.safe });
    const open = tokenFor(s);
    negatives.push(click.messageId, open.messageId);
    const neighbour = (token: string) =>
      token.slice(0, -1) + String.fromCharCode((token.at(-1) as string).charCodeAt(0) ^ 1);
    expect((await send(ip, 'GET', `/c/${click.token}A`)).statusCode).toBe(404);
    expect((await send(ip, 'GET', `/c/${neighbour(click.token)}`)).statusCode).toBe(404);
    expect((await send(ip, 'GET', `/o/${neighbour(open.token)}.gif`)).statusCode).toBe(404);
    expect((await send(ip, 'GET', `/o/${open.token}A.gif`)).statusCode).toBe(404);
  });
});

describe('defect 2: control characters in forward-to-a-friend addresses', () => {
  it.each(['%00', '%01', '%08', '%1B', '%7F', '%0D%0A'])(
    'refuses friend=a%s%40example.com with 400 and queues nothing',
    async (control) => {
      const { token, messageId } = tokenFor(s, {}, 'forward');
      negatives.push(messageId);
      const res = await send(client(), 'POST', `/f/${token}`, `friend=a${control}%40example.com`, form);
      expect(res.statusCode).toBe(400);
    },
  );

  it('refuses display names, lists and groups, takes a plain address', async () => {
    const { token, messageId } = tokenFor(s, {}, 'forward');
    for (const friend of [
      'Bob <bob@example.org>',
      'bob@example.org, eve@example.org',
      'g: bob@example.org;',
      'bob@exa mple.org',
    ]) {
      expect(
        (await send(client(), 'POST', `/f/${token}`, `friend=${encodeURIComponent(friend)}`, form)).statusCode,
      ).toBe(400);
    }
    expect((await send(client(), 'POST', `/f/${token}`, 'friend=Bob%40Example.org', form)).statusCode).toBe(200);
    const [request] = await waitFor(
      () => forwardsOf(messageId),
      (r) => r.length === 1,
    );
    expect(request?.friend_address).toBe('bob@example.org');
  });
});

describe('defect 3: one bad-token limit on every route that takes a token', () => {
  it.each(['/u', '/s', '/f'])(
    'answers 429 with Retry-After on %s once the address presented too many bad tokens',
    async (route) => {
      const ip = client();
      const statuses: number[] = [];
      for (let i = 0; i <= BAD_TOKEN_LIMIT; i++)
        statuses.push((await send(ip, 'GET', `${route}/guess${i}AAAAAAAAAAAAAAAAAAAAAAAA`)).statusCode);
      expect(statuses.slice(0, BAD_TOKEN_LIMIT)).toEqual(Array(BAD_TOKEN_LIMIT).fill(404));
      const refused = await send(ip, 'GET', `${route}/guessAAAAAAAAAAAAAAAAAAAAAAAA`);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    },
  );

  it('refuses an address locked out on /o and /c on /u, /s and /f too, with Retry-After', async () => {
    const ip = client();
    for (let i = 0; i < BAD_TOKEN_LIMIT; i++)
      await send(ip, 'GET', `/${i % 2 ? 'c' : 'o'}/guess${i}AAAAAAAAAAAAAAAAAAAAAAAA`);
    const { token, messageId } = tokenFor(s, { listId: s.listIds[1] });
    negatives.push(messageId);
    for (const [method, route] of [
      ['GET', '/o'],
      ['GET', '/u'],
      ['POST', '/u'],
      ['GET', '/s'],
      ['GET', '/f'],
      ['POST', '/f'],
    ] as const) {
      const res = await send(
        ip,
        method,
        `${route}/${token}`,
        method === 'POST' ? 'friend=bob%40example.org' : undefined,
        form,
      );
      expect([route, method, res.statusCode]).toEqual([route, method, 429]);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('gives the forward rate limit a Retry-After as well', async () => {
    const { token } = tokenFor(s, {}, 'forward');
    const ip = client();
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await send(ip, 'POST', `/f/${token}`, `friend=f${i}%40example.org`, form);
      statuses.push(`${res.statusCode}:${res.headers['retry-after'] ?? '-'}`);
    }
    expect(statuses.at(-1)).toMatch(/^429:[1-9]\d*$/);
  });
});

describe('defect 5: authenticate before reading the body', () => {
  it.each(['/v1/webhooks/bounces', '/v1/webhooks/complaints', '/v1/events'])(
    '%s answers 401 without waiting for the body',
    async (url) => {
      expect(
        await answerBeforeBody(
          ingest.url(),
          url,
          { authorization: 'Bearer whsec_0000000000000000_' + 'A'.repeat(43), 'content-type': 'application/json' },
          '[',
        ),
      ).toBe(401);
      expect(
        await answerBeforeBody(
          ingest.url(),
          url,
          { authorization: 'Bearer cairn_nope', 'content-type': 'application/json' },
          '[',
        ),
      ).toBe(401);
    },
  );

  it('still takes an authenticated webhook', async () => {
    const secret = await createWebhookSecret(pool, s.workspaceId);
    const { token } = tokenFor(s, {}, 'report');
    const payload = JSON.stringify({ token, feedback_type: 'not-spam' });
    const res = await send(client(), 'POST', '/v1/webhooks/complaints', payload, {
      'content-type': 'application/json',
      authorization: `Bearer ${secret}`,
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('defect 6: batch event ids are validated', () => {
  it('rejects ids with NUL, CR or LF, non-UUID entity ids and another workspace contact, accepting the valid item', async () => {
    const key = (await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['write'] })).key;
    const open = (data: Record<string, unknown>) => ({
      type: 'open',
      data: {
        event_id: newId(),
        contact_id: s.contactId,
        message_id: newId(),
        email_id: s.emailId,
        email_version: 1,
        ...data,
      },
    });
    const bad = [
      open({ event_id: 'a\u0000b' }),
      open({ event_id: 'evt\r\nx' }),
      open({ contact_id: `${s.contactId}\n` }),
      open({ contact_id: 'not-a-uuid' }),
      open({ contact_id: other.contactId }),
      open({ message_id: 'm\u0000' }),
      open({ tile_id: 'tile\r\n1' }),
    ];
    const good = open({});
    const res = await send(client(), 'POST', '/v1/events', JSON.stringify([...bad, good]), {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual(bad.map((_, index) => index));
    expect(body.rejected.map((r) => r.error).join('\n')).toMatch(/contact_id is not a contact of this workspace/);
    negatives.push(...bad.map((b) => b.data.message_id as string).filter((id) => !id.includes('\u0000')));
    await waitFor(
      () => reader.byMessage(good.data.message_id),
      (e) => e.length === 1,
    );
  });
});

describe('defect 7: /metrics only on its own listener', () => {
  it('is not served on the public port; the metrics listener serves it and binds loopback by default', async () => {
    expect((await send(client(), 'GET', '/metrics')).statusCode).toBe(404);
    const metrics = await httpRequest(ingest.metricsUrl(), { url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('cairn_ingest_http_requests_total');
    const defaults = loadConfig(ingestSchema, { CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(',') });
    expect(defaults.metricsHost).toBe('127.0.0.1');
    expect(defaults.metricsPort).not.toBe(defaults.port);
  });
});

describe("defect 8: a token's workspace must own its email", () => {
  it('answers 404 and records nothing for a token naming workspace A and an email of workspace B', async () => {
    const crossed = tokenFor(s, { workspaceId: other.workspaceId, linkId: s.links.safe });
    const reverse = tokenFor(other, { workspaceId: s.workspaceId, linkId: other.links.safe });
    negatives.push(crossed.messageId, reverse.messageId);
    for (const { token } of [crossed, reverse]) {
      const res = await send(client(), 'GET', `/c/${token}`);
      expect(res.statusCode).toBe(404);
      expect(res.headers.location).toBeUndefined();
    }
    const crossedOpen = tokenFor(s, { workspaceId: other.workspaceId });
    negatives.push(crossedOpen.messageId);
    expect((await send(client(), 'GET', `/o/${crossedOpen.token}.gif`)).statusCode).toBe(404);
    expect((await send(client(), 'GET', `/o/${crossedOpen.token}.gif`)).statusCode).toBe(404); // cached answer
    // Each route gets a crossed token of its own purpose (a token of another purpose is refused for that alone).
    const crossedFor = (purpose: 'unsubscribe' | 'subscription_center' | 'forward') => {
      const crossedToken = tokenFor(s, { workspaceId: other.workspaceId }, purpose);
      negatives.push(crossedToken.messageId);
      return crossedToken.token;
    };
    for (const [route, purpose] of [
      ['/u', 'unsubscribe'],
      ['/s', 'subscription_center'],
      ['/f', 'forward'],
    ] as const) {
      expect((await send(client(), 'GET', `${route}/${crossedFor(purpose)}`)).statusCode).toBe(404);
    }
    const post = await send(client(), 'POST', `/u/${crossedFor('unsubscribe')}`, 'List-Unsubscribe=One-Click', form);
    expect(post.statusCode).toBe(404);
    const own = tokenFor(s, { linkId: s.links.safe });
    const res = await send(client(), 'GET', `/c/${own.token}`);
    expect([res.statusCode, res.headers.location]).toEqual([302, DESTINATION]);
  });
});

describe('defect 9: unknown methods do not echo the token', () => {
  it.each(['DELETE', 'PUT', 'PATCH', 'OPTIONS'])('%s /c/<token> answers 404 without the token', async (method) => {
    const { token, messageId } = tokenFor(s, { linkId: s.links.safe });
    negatives.push(messageId);
    const res = await send(client(), method, `/c/${token}`);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(token.slice(0, 40));
  });
});

describe('nothing recorded', () => {
  it('for any refused request above', async () => {
    const sentinel = tokenFor(s);
    await send(client(), 'GET', `/o/${sentinel.token}.gif`);
    await waitFor(
      () => reader.byMessage(sentinel.messageId),
      (e) => e.length === 1,
    );
    for (const id of negatives) expect([id, reader.byMessage(id)]).toEqual([id, []]);
    for (const id of negatives) expect(forwardsOf(id)).toEqual([]);
  });
});
