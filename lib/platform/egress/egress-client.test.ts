import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent } from 'request-filtering-agent';
import { loadConfig } from '../config';
import { EgressClient } from './egress-client';
import { DEFAULT_EGRESS_POLICY, egressPolicyOf, egressSchema, type EgressPolicy } from './egress-policy';

/*
 * Issue 20 defect 1: one egress policy for every outbound HTTP call, against real HTTP receivers on loopback.
 * With the default settings a receiver on 127.0.0.1 receives nothing; with the allowlist naming 127.0.0.0/8 it
 * does; a 302 is not followed; an endless answer is cut at the cap; a slow answer times out.
 */
interface Receiver {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    if (req.url === '/redirect') return void res.writeHead(302, { location: '/target' }).end();
    if (req.url === '/endless') {
      res.writeHead(200);
      const chunk = Buffer.alloc(16_384, 'x');
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      return pump();
    }
    if (req.url === '/slow') return; // never answers
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const policyOf = (env: Record<string, string>): EgressPolicy => egressPolicyOf(loadConfig(egressSchema, env));
// Every port, so that a refusal below is the address's doing, not the port's.
const anyPort = policyOf({ CAIRN_EGRESS_ALLOW_PORTS: '1-65535' });
const loopbackAllowed = policyOf({
  CAIRN_EGRESS_ALLOW_PORTS: '1-65535',
  CAIRN_EGRESS_ALLOW_CIDRS: '127.0.0.0/8',
  CAIRN_EGRESS_MAX_RESPONSE_BYTES: '100000',
});

/** A resolver that answers `answers` in turn for every name and counts its calls. */
function scriptedLookup(answers: string[]): LookupFunction & { calls: number } {
  const lookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const address = answers[Math.min(lookup.calls, answers.length - 1)] as string;
    lookup.calls++;
    if (options.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  }) as unknown as LookupFunction & { calls: number };
  lookup.calls = 0;
  return lookup;
}

let target: Receiver;
const clients: EgressClient[] = [];
const client = (policy: EgressPolicy, lookup?: LookupFunction): EgressClient => {
  const made = new EgressClient(policy, lookup);
  clients.push(made);
  return made;
};
const post = (egress: EgressClient, url: string, timeoutMs = 2_000) =>
  egress.request({
    url,
    method: 'POST',
    body: '{"workflow":"x"}',
    headers: { 'content-type': 'application/json' },
    timeoutMs,
  });

beforeAll(async () => {
  target = await receiver();
});
afterAll(async () => {
  for (const made of clients) made.close();
  await target.close();
});
beforeEach(() => target.hits.splice(0));

describe('egress client', () => {
  it('with default settings a receiver on loopback receives nothing (the ClickHouse-SSRF URL and every loopback spelling)', async () => {
    for (const egress of [client(DEFAULT_EGRESS_POLICY), client(anyPort)])
      for (const url of [
        `http://127.0.0.1:${target.port}/?query=%2F*`,
        `http://localhost:${target.port}/`,
        `http://[::ffff:127.0.0.1]:${target.port}/`,
        `http://0x7f.1:${target.port}/`,
      ]) {
        const result = await post(egress, url);
        expect(result.ok ? result.value.status : result.error.code).toBe('egress_refused');
      }
    expect(target.hits).toEqual([]);
  });

  it('refuses a name that resolves to loopback at connect time (the agent checks the resolved address)', async () => {
    const result = await post(
      client(anyPort, scriptedLookup(['127.0.0.1'])),
      `http://hooks.example.test:${target.port}/`,
    );
    expect(result.ok ? 'sent' : [result.error.code, result.error.retriable]).toEqual(['egress_refused', false]);
    expect(target.hits).toEqual([]);
  });

  it('delivers to loopback when the allowlist names 127.0.0.0/8', async () => {
    const result = await post(client(loopbackAllowed), `http://127.0.0.1:${target.port}/hook`);
    expect(result.ok && [result.value.status, result.value.body.toString()]).toEqual([200, 'ok']);
    expect(target.hits).toEqual(['/hook']);
  });

  it('connects to the address it checked: one lookup per request, so a rebinding name cannot switch to another address', async () => {
    // First answer allowed (allowlisted loopback), any later answer would be the metadata address.
    const lookup = scriptedLookup(['127.0.0.1', '169.254.169.254']);
    const result = await post(client(loopbackAllowed, lookup), `http://rebind.example.test:${target.port}/once`);
    expect(result.ok && result.value.status).toBe(200);
    expect(lookup.calls).toBe(1);
    expect(target.hits).toEqual(['/once']);
  });

  it('does not follow a redirect: the 302 comes back as the status and its target receives nothing', async () => {
    const result = await post(client(loopbackAllowed), `http://127.0.0.1:${target.port}/redirect`);
    expect(result.ok && result.value.status).toBe(302);
    expect(target.hits).toEqual(['/redirect']);
  });

  it('cuts an endless answer at the cap', async () => {
    const started = Date.now();
    const result = await post(client(loopbackAllowed), `http://127.0.0.1:${target.port}/endless`);
    expect(result.ok && [result.value.status, result.value.body.length, result.value.truncated]).toEqual([
      200,
      100_000,
      true,
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up on a slow answer at the time limit', async () => {
    const started = Date.now();
    const result = await post(client(loopbackAllowed), `http://127.0.0.1:${target.port}/slow`, 300);
    expect(result.ok ? 'answered' : [result.error.code, result.error.retriable, result.error.message]).toEqual([
      'EGRESS_FAILED',
      true,
      expect.stringContaining('timed out'),
    ]);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('request-filtering-agent (the library under the client)', () => {
  const viaAgent = (url: string, agent: RequestFilteringHttpAgent): Promise<number | string> =>
    new Promise((resolve) => {
      const outgoing = request(url, { agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      outgoing.on('error', (error) => resolve(error.message));
      outgoing.end();
    });

  it('checks IP-literal hosts (IPv4 and IPv4-mapped IPv6) without a lookup, and allowlists by CIDR', async () => {
    const strict = new RequestFilteringHttpAgent();
    expect(await viaAgent(`http://127.0.0.1:${target.port}/`, strict)).toMatch(/is not allowed/);
    expect(await viaAgent(`http://[::ffff:127.0.0.1]:${target.port}/`, strict)).toMatch(/is not allowed/);
    const cidr = new RequestFilteringHttpAgent({ allowIPAddressList: ['127.0.0.0/8'] });
    expect(await viaAgent(`http://127.0.0.1:${target.port}/cidr`, cidr)).toBe(200);
    expect(await viaAgent(`http://[::ffff:127.0.0.1]:${target.port}/`, cidr)).toMatch(/is not allowed/);
    expect(target.hits).toEqual(['/cidr']);
    for (const agent of [strict, cidr]) agent.destroy();
  });
});
