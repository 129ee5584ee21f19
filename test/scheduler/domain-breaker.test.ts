import { createApiKey } from '../../lib/domain/auth/api-keys';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { startApiKit, client, type ApiKit } from '../api/api-test-kit';
import { seedContacts, seedWorkspace, senderConfig, type Seeded } from '../sender/sender-kit';
import { RecordingSmtp } from '../support/recording-smtp';
import { newId, testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { SchedulerRig, schedulerConfig, Workspace } from './scheduler-harness';

/**
 * The circuit breaker per sending domain (docs/scheduler.md#circuit-breaker) on the real stack: the API, the journey
 * engine (its engagement consumer on Kafka) and the sender on one database and one send queue, a recording SMTP
 * peer that refuses some recipients 550 5.1.1. Two journeys From one verified sending domain, each under the
 * breaker's minimum of 20 sends, together over its hard-bounce threshold: the domain is paused, not the journeys.
 */
describe('circuit breaker per sending domain', () => {
  let kit: ApiKit;
  let smtp: RecordingSmtp;
  let rig: SchedulerRig;
  let sender: SenderService;
  let seeded: Seeded;
  let api: ReturnType<typeof client>;
  const prefix = uniqueName('dbreaker');

  beforeAll(async () => {
    kit = await startApiKit();
    smtp = new RecordingSmtp();
    const smtpPort = await smtp.listen();
    sender = buildSender(
      senderConfig(kit.env, smtpPort, {
        CAIRN_QUEUE_PREFIX: prefix,
        CAIRN_SENDER_PAUSED_RECHECK_MS: '200',
        CAIRN_SENDER_DOMAIN_KEYS_TTL_MS: '200',
      }),
      testLogger('sender'),
    );
    await sender.start();
    rig = new SchedulerRig(
      kit.env,
      schedulerConfig(kit.env, { CAIRN_QUEUE_PREFIX: prefix, CAIRN_BREAKER_MIN_SENDS: '20' }),
    );
    await rig.start();
    seeded = await seedWorkspace(kit.pool); // its email is From news@cairn.example
    const { key } = await createApiKey(kit.pool, {
      workspaceId: seeded.workspaceId,
      scopes: ['read', 'write', 'send', 'admin'],
    });
    api = client(kit, key);
  });

  afterAll(async () => {
    await rig?.stop();
    await sender?.stop();
    await smtp?.close();
    await kit?.close();
  });

  async function verifiedDomain(workspaceId: string, domain: string): Promise<string> {
    const { rows } = await kit.pool.query<{ id: string }>(
      "INSERT INTO sending_domains (workspace_id, domain, status, verified_at) VALUES ($1, $2, 'verified', now()) RETURNING id",
      [workspaceId, domain],
    );
    return (rows[0] as { id: string }).id;
  }

  /** The kit's email again, From another domain. */
  async function emailFrom(from: string): Promise<string> {
    const id = newId();
    await kit.pool.query(
      "INSERT INTO emails (id, workspace_id, name, status, live_version) VALUES ($1, $2, 'other', 'live', 1)",
      [id, seeded.workspaceId],
    );
    await kit.pool.query(
      `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, compiled_html)
       SELECT $1, 1, workspace_id, subject, $3, from_name, compiled_html FROM email_versions WHERE email_id = $2 AND version = 1`,
      [id, seeded.emailId, from],
    );
    await kit.pool.query(
      `INSERT INTO email_links (email_id, version, link_id, url, kind, label)
       SELECT $1, version, link_id, url, kind, label FROM email_links WHERE email_id = $2`,
      [id, seeded.emailId],
    );
    return id;
  }

  async function journeyTo(ids: string[], emailId: string): Promise<string> {
    const ws = new Workspace(kit.pool, seeded.workspaceId);
    const segment = await ws.segment(ids);
    return ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
        { id: 'mail', type: 'email', next: ['end'], config: { email_id: emailId } },
        { id: 'end', type: 'end' },
      ],
    });
  }

  const received = (addresses: Iterable<string>): number =>
    [...addresses].filter((a) => smtp.received.some((m) => m.to.includes(a))).length;

  const ledgerOf = async (contactIds: string[]) =>
    (
      await kit.pool.query<{ state: string; attempts: number }>(
        'SELECT state, attempts FROM sender_deliveries WHERE contact_id = ANY($1::text[]) ORDER BY contact_id',
        [contactIds],
      )
    ).rows;

  type Domain = { paused: { paused_at: string; reason: string; rates: Record<string, number> } | null };

  test('two journeys trip their shared domain; its mail waits while another domain sends; resume sends it once', async () => {
    const domainId = await verifiedDomain(seeded.workspaceId, 'cairn.example');
    const otherDomainId = await verifiedDomain(seeded.workspaceId, 'other.example');
    const otherEmail = await emailFrom('news@other.example');

    // journeys A and B, 12 contacts each, From cairn.example; 2 of each refused 550 5.1.1: 4 of 24 (16.67%)
    const a = await seedContacts(kit.pool, seeded, 12);
    const b = await seedContacts(kit.pool, seeded, 12);
    for (const c of [...a.slice(0, 2), ...b.slice(0, 2)])
      smtp.refuseAlways(c.email, { stage: 'rcpt', code: 550, text: '5.1.1 no such user here' });
    const journeys = [
      await journeyTo(
        a.map((c) => c.id),
        seeded.emailId,
      ),
      await journeyTo(
        b.map((c) => c.id),
        seeded.emailId,
      ),
    ];
    const paused = await waitFor(
      async () => (await api('GET', `/v1/sending-domains/${domainId}`)).json<Domain>(),
      (d) => d.paused !== null,
      60_000,
    );
    expect(paused.paused?.reason).toMatch(/^hard-bounce rate \d+\.\d\d% over 5\.00% of \d+ sends in the last 24 h$/);
    expect(paused.paused?.rates).toMatchObject({ sends: expect.any(Number), hard_bounces: expect.any(Number) });
    for (const id of journeys)
      expect((await api('GET', `/v1/journeys/${id}`)).json()).toMatchObject({ status: 'live', paused_at: null });
    const alerts = (await api('GET', '/v1/engagement/alerts')).json<{
      items: Array<{ kind: string; message_id: string | null; payload: Record<string, unknown> }>;
    }>();
    expect(alerts.items.filter((x) => x.kind.endsWith('_paused'))).toEqual([
      expect.objectContaining({
        kind: 'sending_domain_paused',
        message_id: null,
        payload: expect.objectContaining({ sending_domain_id: domainId, domain: 'cairn.example' }),
      }),
    ]);

    // journey C From the paused domain waits (deferred, no attempt, not lost); journey D From another domain sends
    const c = await seedContacts(kit.pool, seeded, 3);
    const d = await seedContacts(kit.pool, seeded, 3);
    await journeyTo(
      c.map((x) => x.id),
      seeded.emailId,
    );
    await journeyTo(
      d.map((x) => x.id),
      otherEmail,
    );
    await waitFor(
      async () => received(d.map((x) => x.email)),
      (n) => n === 3,
      60_000,
    );
    await waitFor(
      () => ledgerOf(c.map((x) => x.id)),
      (rows) => rows.length === 3 && rows.every((r) => r.state === 'retry'),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // several rechecks (every 200 ms)
    expect(await ledgerOf(c.map((x) => x.id))).toEqual(Array(3).fill({ state: 'retry', attempts: 0 }));
    expect(received(c.map((x) => x.email))).toBe(0);
    expect((await api('GET', `/v1/sending-domains/${otherDomainId}`)).json<Domain>().paused).toBeNull();

    await resumeChecks(domainId);
    await waitFor(
      async () => received(c.map((x) => x.email)),
      (n) => n === 3,
      60_000,
    );
    const perRecipient = new Map<string, number>();
    for (const m of smtp.received) for (const to of m.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    expect([...perRecipient.values()].filter((n) => n > 1)).toEqual([]);
    expect(perRecipient.size).toBe(20 + 3 + 3);
    expect(await ledgerOf(c.map((x) => x.id))).toEqual(Array(3).fill({ state: 'delivered', attempts: 1 }));
    // the window started again at the resume: only C's 3 sends since, far from tripping it again
    const counts = await waitFor(
      async () =>
        (
          await kit.pool.query(
            'SELECT sum(sends)::int AS s, sum(hard_bounces)::int AS h FROM sending_domain_breaker_counts WHERE domain_id = $1',
            [domainId],
          )
        ).rows[0],
      (row) => row?.s === 3,
      30_000,
    );
    expect(counts).toEqual({ s: 3, h: 0 });
  });

  /** Resume needs the admin scope, answers 404 for another workspace's domain, 409 when not paused. */
  async function resumeChecks(domainId: string): Promise<void> {
    const { key: sendOnly } = await createApiKey(kit.pool, {
      workspaceId: seeded.workspaceId,
      scopes: ['read', 'write', 'send'],
    });
    expect((await client(kit, sendOnly)('POST', `/v1/sending-domains/${domainId}/resume`)).statusCode).toBe(403);
    const stranger = await seedWorkspace(kit.pool);
    const { key: strangerKey } = await createApiKey(kit.pool, {
      workspaceId: stranger.workspaceId,
      scopes: ['read', 'write', 'send', 'admin'],
    });
    const foreign = await client(kit, strangerKey)('POST', `/v1/sending-domains/${domainId}/resume`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ status: 404, title: expect.any(String) });
    expect((await api('GET', `/v1/sending-domains/${domainId}`)).json<Domain>().paused).not.toBeNull();

    const resumed = await api('POST', `/v1/sending-domains/${domainId}/resume`);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ id: domainId, domain: 'cairn.example', paused: null });
    const again = await api('POST', `/v1/sending-domains/${domainId}/resume`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ status: 409, detail: expect.stringMatching(/not paused/) });
  }
});
