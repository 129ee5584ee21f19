import { Queue } from 'bullmq';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { ALERT_WEBHOOK_QUEUE, queueAlertWebhooks, type AlertJob } from '../../services/engagement/alerts';
import { countForBreaker, DEFAULT_BREAKER, tripBreakers } from '../../services/scheduler/journey-breaker';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import { Workspace } from '../scheduler/scheduler-harness';
import { baseConfig } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { startEngagementKit, WebhookSink, type EngagementKit } from './engagement-kit';

// A journey the circuit breaker pauses (docs/scheduler.md#circuit-breaker) is an alert of its workspace, posted
// to the alert webhook by the engagement service like a first-open alert, though it names no message.

let kit: EngagementKit;
const sink = new WebhookSink();
const redis = createRedis(baseConfig.redisUrl, { forBullmq: true });

beforeAll(async () => {
  kit = await startEngagementKit();
}, 120_000);

afterAll(async () => {
  await kit?.close();
  await sink.close();
  await redis.quit();
});

test('a journey_paused alert is listed and posted, signed, with its journey and rates', async () => {
  const url = await sink.listen();
  expect((await kit.call('PATCH', '/v1/engagement/settings', { alert_webhook_url: url })).statusCode).toBe(200);
  const pool = kit.api.pool;
  const ws = new Workspace(pool, kit.workspaceId);
  const segment = await ws.segment([]);
  const journeyId = await ws.liveJourney({
    tiles: [
      { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
      { id: 'mail', type: 'email', next: ['end'], config: { email_id: await ws.email() } },
      { id: 'end', type: 'end' },
    ],
  });
  const recorded = [
    ...Array.from({ length: 20 }, () => ({ journey_id: journeyId, kind: 'delivered' })),
    ...Array.from({ length: 3 }, () => ({ journey_id: journeyId, kind: 'hard_bounced' })),
  ];
  const paused = await inTransaction(pool, async (client) =>
    tripBreakers(client, await countForBreaker(client, recorded), { ...DEFAULT_BREAKER, minSends: 20 }),
  );
  expect(paused).toEqual([{ journeyId, workspaceId: kit.workspaceId, reason: expect.stringMatching(/^hard-bounce/) }]);

  const listed = (await kit.call('GET', '/v1/engagement/alerts')).json<{
    items: Array<{ id: string; kind: string; message_id: string | null; webhook_state: string }>;
  }>().items;
  expect(listed).toEqual([
    expect.objectContaining({ kind: 'journey_paused', message_id: null, webhook_state: 'pending' }),
  ]);
  // what the engagement service's sweep of pending alerts does a minute later, at once
  const queue = new Queue<AlertJob>(ALERT_WEBHOOK_QUEUE, {
    connection: redis,
    prefix: kit.engagementConfig.queuePrefix,
  });
  try {
    await queueAlertWebhooks(queue, [listed[0]?.id ?? ''], { attempts: 3, backoffMs: 100 });
    await waitFor(
      async () => sink.received.length,
      (n) => n === 1,
      30_000,
    );
  } finally {
    await queue.close();
  }
  const [posted] = sink.received;
  expect(posted?.headers['x-cairn-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(JSON.parse(posted?.body ?? '{}')).toMatchObject({
    kind: 'journey_paused',
    message_id: null,
    workspace_id: kit.workspaceId,
    journey_id: journeyId,
    rates: { sends: 20, hard_bounces: 3 },
  });
});
