import { connect, type Socket } from 'node:net';
import type { Pool } from 'pg';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { httpRequest, ingestConfig, seed, type Seeded, startIngest, tokenFor, TopicReader } from './ingest-support';

/**
 * Issue 20: ingest refuses event times outside its window (defect 8), checks tokens before reading bodies and
 * bounds bodies, lines and the time a client may take (defect 14). Real ingest, Kafka and PostgreSQL.
 */
let env: TestEnv;
let pool: Pool;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let reader: TopicReader;
let s: Seeded;
let apiKey: string;
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_limits');
  pool = createPgPool(env.postgresUrl, 3);
  ingest = await startIngest(
    ingestConfig(env, {
      CAIRN_INGEST_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      CAIRN_INGEST_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      CAIRN_INGEST_MAX_LINE_BYTES: '2048',
    }),
  );
  reader = await new TopicReader(env.kafka, [env.topics.emailEvents]).start();
  s = await seed(pool);
  apiKey = (await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['write'] })).key;
});

afterAll(async () => {
  await reader?.stop();
  await ingest?.cleanup();
  await pool?.end();
  await env?.cleanup();
});

const port = (): number => Number(new URL(ingest.url()).port);

/** A raw connection: what the server sent, and when it closed the connection (null while open). */
function rawClient(): { socket: Socket; received: () => string; closedAt: () => number | null; opened: Promise<void> } {
  const socket = connect(port(), '127.0.0.1');
  let data = '';
  let closed: number | null = null;
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('close', () => (closed = Date.now()));
  socket.on('error', () => undefined); // the server may reset a connection whose body it refuses to read
  const opened = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => data, closedAt: () => closed, opened };
}

const batch = (events: unknown[]) =>
  httpRequest(ingest.url(), {
    method: 'POST',
    url: '/v1/events',
    payload: events.map((e) => JSON.stringify(e)).join('\n'),
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${apiKey}` },
  });
const open = (fields: Record<string, unknown> = {}) => ({
  type: 'open',
  data: {
    contact_id: s.contactId,
    message_id: newId(),
    email_id: s.emailId,
    email_version: 1,
    machine: false,
    ...fields,
  },
});

describe('event times (defect 8)', () => {
  it("refuses the issue's event_time of -300,000,000,000,000 with a 400 naming the index and the field", async () => {
    const res = await batch([open({ event_time: -300_000_000_000_000 })]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, error: expect.stringMatching(/^data\.event_time must be/) }],
    });
  });

  it('accepts the good events of a batch and rejects by index those outside the window, which reach no topic', async () => {
    const good = open({ event_time: Date.now() - 86_400_000 });
    const events = [
      good,
      open({ event_time: Date.now() + 2 * 3_600_000 }),
      open({ event_time: Date.now() - 400 * 86_400_000 }),
      open({ event_time: Date.now() }),
    ];
    const res = await batch(events);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2]);
    expect(body.rejected.every((r) => r.error.startsWith('data.event_time'))).toBe(true);
    await waitFor(
      () => reader.byMessage(String(events[3]?.data.message_id)),
      (seen) => seen.length === 1,
    );
    for (const refused of events.slice(1, 3)) expect(reader.byMessage(String(refused.data.message_id))).toEqual([]);
  });

  it('refuses an NDJSON line longer than CAIRN_INGEST_MAX_LINE_BYTES by index without parsing it', async () => {
    const res = await batch([open(), open({ user_agent: 'x'.repeat(4_000) })]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, error: 'line is longer than 2048 bytes' }],
    });
  });
});

describe('unauthenticated bodies and slow clients (defect 14)', () => {
  it.each(['/u', '/s', '/f'])(
    'answers POST %s/<bad token> with 404 before the client finished sending its body, and closes',
    async (route) => {
      const client = rawClient();
      await client.opened;
      client.socket.write(
        `POST ${route}/not-a-token HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000000\r\n\r\n`,
      );
      client.socket.write('friend=a%40example.com&'.repeat(40));
      // A 4 MB body (under the 5 MiB request limit) of which 1 KB is ever sent: the answer must not wait for the rest.
      const answer = await waitFor(client.received, (text) => text.includes('\r\n\r\n'), 5_000);
      expect(answer).toMatch(/^HTTP\/1\.1 404 /);
      expect(answer.toLowerCase()).toContain('connection: close');
      await waitFor(client.closedAt, (at) => at !== null, 5_000);
      client.socket.destroy();
    },
  );

  it('refuses a form body above CAIRN_INGEST_FORM_BODY_LIMIT on a good token with 413, recording nothing', async () => {
    const { token, messageId } = tokenFor(s, {}, 'forward');
    const res = await httpRequest(ingest.url(), {
      method: 'POST',
      url: `/f/${token}`,
      payload: `friend=${'a'.repeat(20_000)}%40example.com`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(413);
    expect(reader.byMessage(messageId)).toEqual([]);
  });

  it('closes a slowloris connection at the headers timeout while /healthz keeps answering', async () => {
    const client = rawClient();
    await client.opened;
    const started = Date.now();
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: ingest\r\n');
    // one header line every 200 ms, never the blank line that ends the headers
    const drip = setInterval(() => client.socket.writable && client.socket.write(`X-Drip-${Date.now()}: 1\r\n`), 200);
    try {
      const healthy: number[] = [];
      while (client.closedAt() === null && Date.now() - started < 10_000) {
        healthy.push((await httpRequest(ingest.url(), { url: '/healthz' })).statusCode);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const closedAfter = (client.closedAt() ?? Date.now()) - started;
      expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(closedAfter).toBeLessThan(HEADERS_TIMEOUT_MS + 2_000);
      expect(healthy.length).toBeGreaterThan(3);
      expect(healthy.every((status) => status === 200)).toBe(true);
    } finally {
      clearInterval(drip);
      client.socket.destroy();
    }
  });

  it('answers a body that trickles in slower than the request timeout with 408 and closes the connection', async () => {
    const { token } = tokenFor(s, {}, 'unsubscribe');
    const client = rawClient();
    await client.opened;
    const started = Date.now();
    client.socket.write(
      `POST /u/${token} HTTP/1.1\r\nHost: ingest\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n`,
    );
    const drip = setInterval(() => client.socket.writable && client.socket.write('x'), 100);
    try {
      await waitFor(client.closedAt, (at) => at !== null, REQUEST_TIMEOUT_MS + 5_000);
      expect((client.closedAt() ?? 0) - started).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
      client.socket.destroy();
    }
  });
});
