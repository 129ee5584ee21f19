import { connect, type Socket } from 'node:net';
import { createWorkspace, startApiKit, type ApiKit } from './api-test-kit';

/**
 * Issue 20, defect 14 (API part): bounded work per request. A huge NDJSON line is refused as it grows (400 naming
 * the line) while the API keeps answering; imports split only new data; slow clients and idle sockets meet
 * deadlines (CAIRN_API_HEADERS_TIMEOUT_MS, CAIRN_API_REQUEST_TIMEOUT_MS, CAIRN_API_KEEP_ALIVE_TIMEOUT_MS).
 */
let kit: ApiKit;
let key: string;
let port: number;

beforeAll(async () => {
  kit = await startApiKit({ headersTimeoutMs: 1000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 500 });
  key = (await createWorkspace(kit, 'limits')).key;
  port = Number(new URL(kit.baseUrl).port);
});
afterAll(async () => {
  await kit.close();
});

const importBody = (body: string | Buffer | ReadableStream<Uint8Array>, type: string) =>
  fetch(`${kit.baseUrl}/v1/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': type },
    body,
    duplex: 'half',
  } as RequestInit);

/** Polls /healthz until `done` settles; the slowest answer in ms. */
async function slowestHealthz(done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true));
  let slowest = 0;
  while (!finished) {
    const started = performance.now();
    expect((await fetch(`${kit.baseUrl}/healthz`)).status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return slowest;
}

describe('import lines are bounded and split linearly', () => {
  it('refuses a 30 MB NDJSON line quickly with a 400 naming the line, and /healthz answers meanwhile', async () => {
    const line = Buffer.from(`{"email":"huge@ex.com","attributes":{"blob":"${'x'.repeat(30 * 1_048_576)}"}}`);
    const started = performance.now();
    const reply = importBody(line, 'application/x-ndjson');
    const slowest = await slowestHealthz(reply);
    const res = await reply;
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      status: 400,
      errors: [{ field: 'rows[1].row', message: expect.stringMatching(/longer than 1048576 bytes/) }],
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(slowest).toBeLessThan(1000);
    const { rows } = await kit.pool.query("SELECT count(*)::int AS n FROM contacts WHERE lower(email) = 'huge@ex.com'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses an oversized CSV record with a 400 naming its line', async () => {
    const res = await importBody(`email,note\nok@ex.com,short\nlong@ex.com,${'y'.repeat(1_100_000)}\n`, 'text/csv');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown }).errors).toEqual([
      { field: 'rows[3].row', message: expect.stringMatching(/longer than 1048576 bytes/) },
    ]);
  });

  it('imports NDJSON whose lines and characters are cut across chunks', async () => {
    const text = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ email: `chunked${i}@ex.com`, first_name: `Zoë ${i} 🌲` }),
    ).join('\n');
    const bytes = Buffer.from(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.subarray(at, at + 7));
        controller.close();
      },
    });
    const res = await importBody(body, 'application/x-ndjson');
    expect(await res.json()).toMatchObject({ received: 50, created: 50, rejected: 0 });
    const { rows } = await kit.pool.query("SELECT first_name FROM contacts WHERE lower(email) = 'chunked49@ex.com'");
    expect(rows).toEqual([{ first_name: 'Zoë 49 🌲' }]);
  });
});

/** A raw connection: what the server sends, and when it closes (null if still open after `waitMs`). */
async function watch(
  send: (socket: Socket) => void,
  waitMs: number,
): Promise<{ closedAfterMs: number | null; received: string }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const started = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - started)));
  socket.on('error', () => undefined);
  send(socket);
  const closedAfterMs = await Promise.race([
    closed,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), waitMs)),
  ]);
  socket.destroy();
  return { closedAfterMs, received };
}

describe('slow and idle clients meet deadlines', () => {
  it('closes a connection whose headers never finish (headers timeout)', async () => {
    const { closedAfterMs, received } = await watch((s) => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'), 6000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeLessThan(3000);
    expect(received).toMatch(/^HTTP\/1.1 408/);
  });

  it('answers 408 to a request whose body never finishes (request timeout)', async () => {
    const head = `POST /v1/contacts/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\nemail\n`;
    const { closedAfterMs, received } = await watch((s) => s.write(head), 9000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeGreaterThan(3500);
    expect(closedAfterMs).toBeLessThan(7000);
    expect(received).toMatch(/^HTTP\/1.1 408/);
  });

  it('closes an idle keep-alive connection (keep-alive timeout)', async () => {
    const { closedAfterMs, received } = await watch(
      (s) => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'),
      5000,
    );
    expect(received).toMatch(/^HTTP\/1.1 200/);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeLessThan(4000);
  });
});
