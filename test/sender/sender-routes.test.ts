import { join } from 'node:path';
import { RecordingSmtp } from '../support/recording-smtp';
import { waitFor } from '../support/wait-for';
import {
  addContact,
  enqueue,
  seedWorkspace,
  sendRequest,
  startSenderHarness,
  type SenderHarness,
  type Seeded,
} from './sender-kit';

/*
 * Issue 22 part 3: routes (docs/sender.md#routes). Two real SMTP peers: A is the default route
 * (CAIRN_SENDER_SMTP_URL), B the route "b" (STARTTLS verified against the test CA, AUTH with credentials in the
 * route's URL). A workspace assigned "b" goes to B, another to A; a sending domain's route wins over its workspace's;
 * a route name the sender does not know is not sent (route_unknown), never sent through the default. The password
 * appears nowhere in /metrics.
 */
const PASSWORD = 'route-b-secret-0123456789';
const peerB = new RecordingSmtp({ tls: 'starttls', auth: { user: 'route-b', pass: PASSWORD, methods: ['PLAIN'] } });
let h: SenderHarness;

beforeAll(async () => {
  const portB = await peerB.listen();
  h = await startSenderHarness('cairn_sender_routes', () => ({
    CAIRN_SENDER_ROUTES: JSON.stringify([
      { name: 'b', url: `smtp://route-b:${PASSWORD}@127.0.0.1:${portB}`, tls: 'required', connections: 2 },
    ]),
    CAIRN_SENDER_SMTP_TLS_CA_FILE: join(__dirname, '..', 'fixtures', 'tls', 'localhost.crt'),
    CAIRN_SENDER_DOMAIN_KEYS_TTL_MS: '200',
  }));
});

afterAll(async () => {
  await h?.close();
  await peerB.close();
});

/** A new workspace (From news@cairn.example) with a workspace route and a route on its sending domain. */
async function workspaceRouted(route: string | null, domainRoute?: string | null): Promise<Seeded> {
  const seeded = await seedWorkspace(h.pool);
  await h.pool.query('UPDATE workspaces SET route_name = $2 WHERE id = $1', [seeded.workspaceId, route]);
  if (domainRoute !== undefined)
    await h.pool.query(
      "INSERT INTO sending_domains (workspace_id, domain, route_name) VALUES ($1, 'cairn.example', $2)",
      [seeded.workspaceId, domainRoute],
    );
  return seeded;
}

async function send(seeded: Seeded, address: string): Promise<void> {
  const contactId = await addContact(h.pool, seeded, { email: address });
  await enqueue(h.queue, [sendRequest(seeded, contactId)]);
}

const arrived = (peer: RecordingSmtp, address: string) =>
  waitFor(
    () => peer.to(address),
    (found) => found.length > 0,
    30_000,
  );

describe('routes', () => {
  it('sends a workspace assigned "b" through B, over TLS, and another workspace through the default A', async () => {
    await send(await workspaceRouted('b'), 'routed@example.com');
    await send(h.seeded, 'plain@example.com');
    const [viaB] = await arrived(peerB, 'routed@example.com');
    await arrived(h.smtp, 'plain@example.com');
    expect(viaB?.secure).toBe(true);
    expect(h.smtp.to('routed@example.com')).toHaveLength(0);
    expect(peerB.to('plain@example.com')).toHaveLength(0);
  });

  it("takes a sending domain's route before its workspace's", async () => {
    await send(await workspaceRouted('b', 'default'), 'domain-default@example.com');
    await send(await workspaceRouted(null, 'b'), 'domain-b@example.com');
    await send(await workspaceRouted('b', null), 'domain-unset@example.com');
    await arrived(h.smtp, 'domain-default@example.com');
    await arrived(peerB, 'domain-b@example.com');
    await arrived(peerB, 'domain-unset@example.com');
    expect(peerB.to('domain-default@example.com')).toHaveLength(0);
    expect(h.smtp.to('domain-b@example.com')).toHaveLength(0);
  });

  it('does not send through the default when the route is unknown: not_sent, then failed with route_unknown', async () => {
    const seeded = await workspaceRouted('ghost');
    const contactId = await addContact(h.pool, seeded, { email: 'ghost@example.com' });
    const request = sendRequest(seeded, contactId);
    await enqueue(h.queue, [request]);
    const events = await waitFor(
      () => h.collected.events.filter((e) => e.data.contact_id === contactId),
      (found) => found.length >= 1,
      30_000,
    );
    const failed = events.map((e) =>
      e.type === 'sending_failed' ? [e.type, e.data.error_code, e.data.error_message] : [e.type],
    );
    expect(failed).toEqual([['sending_failed', 'SMTP_UNAVAILABLE', expect.stringContaining('route_unknown: ghost')]]);
    expect(h.smtp.to('ghost@example.com')).toHaveLength(0);
    expect(peerB.to('ghost@example.com')).toHaveLength(0);
  });

  it('counts outcomes per route in /metrics, and never shows the credentials', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${h.sender.metricsPort()}/metrics`)).text();
    expect(metrics).toMatch(/cairn_sender_route_messages_total\{route="b",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/cairn_sender_route_messages_total\{route="default",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/cairn_sender_route_messages_total\{route="none",outcome="not_sent"\} 1/);
    expect(metrics).toMatch(/cairn_sender_smtp_seconds_count\{route="b"\} [1-9]/);
    expect(metrics).not.toContain(PASSWORD);
    expect(JSON.stringify(h.config)).not.toContain(PASSWORD);
  });
});
