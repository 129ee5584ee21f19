import { createApiKey } from '../../lib/domain/auth/api-keys';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { startApiKit, client, type ApiKit } from '../api/api-test-kit';
import {
  enqueue,
  seedContacts,
  seedWorkspace,
  senderConfig,
  senderQueueFor,
  sendRequest,
  type Seeded,
} from '../sender/sender-kit';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { sendBatches, sendBatchJobId } from '../../lib/contracts/sending/send-request';
import { RecordingSmtp } from '../support/recording-smtp';
import { baseConfig, testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { SchedulerRig, schedulerConfig, Workspace } from './scheduler-harness';

/**
 * The circuit breaker (docs/scheduler.md#circuit-breaker) on the real stack: the API, the journey engine and the
 * sender on one database and one send queue, a recording SMTP peer that refuses some recipients 550 5.1.1.
 */
describe('circuit breaker', () => {
  let kit: ApiKit;
  let smtp: RecordingSmtp;
  let rig: SchedulerRig;
  let sender: SenderService;
  let seeded: Seeded;
  let api: ReturnType<typeof client>;
  const redis = createRedis(baseConfig.redisUrl, { forBullmq: true });
  const prefix = uniqueName('breaker');

  beforeAll(async () => {
    kit = await startApiKit();
    // a slow final reply: the journey's mail leaves over seconds, so the breaker trips while most of it waits
    smtp = new RecordingSmtp({ finalReplyDelayMs: 60 });
    const smtpPort = await smtp.listen();
    sender = buildSender(
      senderConfig(kit.env, smtpPort, {
        CAIRN_QUEUE_PREFIX: prefix,
        CAIRN_SENDER_JOB_CONCURRENCY: '1',
        CAIRN_SENDER_SMTP_CONNECTIONS: '1',
        CAIRN_SENDER_PAUSED_RECHECK_MS: '200',
      }),
      testLogger('sender'),
    );
    await sender.start();
    rig = new SchedulerRig(
      kit.env,
      schedulerConfig(kit.env, {
        CAIRN_QUEUE_PREFIX: prefix,
        CAIRN_SCHEDULER_ENTRY_BATCH: '10',
        CAIRN_BREAKER_MIN_SENDS: '20',
      }),
    );
    await rig.start();
    seeded = await seedWorkspace(kit.pool);
    const { key } = await createApiKey(kit.pool, {
      workspaceId: seeded.workspaceId,
      scopes: ['read', 'write', 'send'],
    });
    api = client(kit, key);
  });

  afterAll(async () => {
    await rig?.stop();
    await sender?.stop();
    await smtp?.close();
    await kit?.close();
    await redis.quit();
  });

  async function journeyTo(emails: string[], ids: string[]): Promise<string> {
    const ws = new Workspace(kit.pool, seeded.workspaceId);
    const segment = await ws.segment(ids);
    expect(emails).toHaveLength(ids.length);
    return ws.liveJourney({
      tiles: [
        { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
        { id: 'mail', type: 'email', next: ['end'], config: { email_id: seeded.emailId } },
        { id: 'end', type: 'end' },
      ],
    });
  }

  const receivedBy = (addresses: Set<string>) => smtp.received.filter((m) => m.to.some((to) => addresses.has(to)));

  test('a journey bouncing past the threshold is paused with its milestone and alert; others keep sending; resume sends the rest once', async () => {
    // Journey A: 150 contacts; the first 15 it reaches (entry is in contact id order) are refused 550 5.1.1, a
    // 75% hard-bounce rate over its first 20 sends. Journey B: 40 contacts, all good.
    const bad = (await seedContacts(kit.pool, seeded, 150)).sort((x, y) => x.id.localeCompare(y.id));
    for (const c of bad.slice(0, 15))
      smtp.refuseAlways(c.email, { stage: 'rcpt', code: 550, text: '5.1.1 no such user here' });
    const goodOfA = new Set(bad.slice(15).map((c) => c.email));
    const journeyA = await journeyTo(
      bad.map((c) => c.email),
      bad.map((c) => c.id),
    );

    const paused = await waitFor(
      async () => (await api('GET', `/v1/journeys/${journeyA}`)).json<Record<string, unknown>>(),
      (j) => j.status === 'paused',
      60_000,
    );
    expect(paused.paused_reason).toMatch(/^hard-bounce rate \d+\.\d\d% over 5\.00% of \d+ sends in the last 24 h$/);
    expect(paused.pause_rates).toMatchObject({ hard_bounces: expect.any(Number), sends: expect.any(Number) });
    const heldAt = receivedBy(goodOfA).length;
    expect(heldAt).toBeLessThan(goodOfA.size);

    // another journey of the same workspace keeps sending while A waits
    const others = await seedContacts(kit.pool, seeded, 40);
    const otherAddresses = new Set(others.map((c) => c.email));
    await journeyTo(
      others.map((c) => c.email),
      others.map((c) => c.id),
    );
    await waitFor(
      async () => receivedBy(otherAddresses).length,
      (n) => n === others.length,
      60_000,
    );
    expect(receivedBy(goodOfA).length).toBeLessThanOrEqual(heldAt + 10); // at most the batch in hand when it tripped
    const stillHeld = receivedBy(goodOfA).length;

    // the pause is a milestone and a workspace alert; a draft or live journey cannot be resumed, a paused one can
    const milestones = (await api('GET', `/v1/journeys/${journeyA}/milestones`)).json<{
      items: Array<{ status: string; note: string }>;
    }>();
    expect(milestones.items.map((m) => m.status)).toEqual(['paused']);
    expect(milestones.items[0]?.note).toMatch(/^paused by the circuit breaker: hard-bounce rate/);
    const alerts = (await api('GET', '/v1/engagement/alerts')).json<{
      items: Array<{ kind: string; message_id: string | null; payload: { journey_id: string } }>;
    }>();
    expect(alerts.items.filter((a) => a.kind === 'journey_paused')).toEqual([
      expect.objectContaining({ message_id: null, payload: expect.objectContaining({ journey_id: journeyA }) }),
    ]);
    expect(receivedBy(goodOfA).length).toBe(stillHeld);

    // resume: live again, the rest is sent, nobody twice
    const resumed = await api('POST', `/v1/journeys/${journeyA}/resume`);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ status: 'live', paused_reason: null, pause_rates: null });
    expect((await api('POST', `/v1/journeys/${journeyA}/resume`)).statusCode).toBe(409);
    expect((await api('POST', '/v1/journeys/not-a-journey/resume')).statusCode).toBe(400);
    await waitFor(
      async () => receivedBy(goodOfA).length,
      (n) => n === goodOfA.size,
      90_000,
    );
    const perRecipient = new Map<string, number>();
    for (const m of smtp.received) for (const to of m.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    expect([...perRecipient.values()].filter((n) => n > 1)).toEqual([]);
    expect(perRecipient.size).toBe(goodOfA.size + others.length);
    const after = (await api('GET', `/v1/journeys/${journeyA}/milestones`)).json<{
      items: Array<{ status: string }>;
    }>();
    expect(after.items.map((m) => m.status)).toEqual(['paused', 'live']);

    // a paused journey can also be stopped; resume needs the send scope
    const { key: readOnly } = await createApiKey(kit.pool, { workspaceId: seeded.workspaceId, scopes: ['read'] });
    expect((await client(kit, readOnly)('POST', `/v1/journeys/${journeyA}/resume`)).statusCode).toBe(403);
    await kit.pool.query("UPDATE journeys SET status = 'paused', paused_at = now() WHERE id = $1", [journeyA]);
    const stopped = await api('POST', `/v1/journeys/${journeyA}/stop`);
    expect(stopped.json()).toMatchObject({ status: 'stopped' });

    // what a journey stopped while paused still had queued is not sent: the stop is final
    const [late] = await seedContacts(kit.pool, seeded, 1);
    const queue = senderQueueFor(redis, prefix);
    try {
      const request = sendRequest(seeded, late?.id ?? '', { journeyId: journeyA, tileId: 'mail' });
      await enqueue(queue, [request]);
      const jobId = sendBatches([request]).map(sendBatchJobId)[0] ?? '';
      await waitFor(
        async () => queue.getJobState(jobId),
        (state) => state === 'completed',
        30_000,
      );
      expect(smtp.received.filter((m) => m.to.includes(late?.email ?? ''))).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
