import { Queue } from 'bullmq';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { eraseContactEverywhere } from '../../services/api/contact-erasure';
import { recordEngagements } from '../../services/scheduler/engagement.consumer';
import { onceKey } from '../../services/scheduler/tile-rules';
import { WEBHOOK_QUEUE, type WebhookJob } from '../../services/scheduler/webhook-job';
import { baseConfig, createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { DAY_MS, SchedulerRig, tally, webhookTarget, Workspace } from './scheduler-harness';

// Issue 20, defect 11: the journey engine does not act on an erased contact: no step takes it, a webhook already
// queued for it is dropped, and its engagements still in Kafka record nothing.

let env: TestEnv;
let rig: SchedulerRig;
beforeAll(async () => {
  env = await createTestEnv('cairn_sched_erasure');
  rig = await new SchedulerRig(env).start();
});
afterAll(async () => {
  await rig?.stop();
  await env?.cleanup();
});

describe('the journey engine and an erased contact', () => {
  it('takes it no further, drops the webhook queued for it and records none of its late engagements', async () => {
    const target = await webhookTarget();
    const redis = createRedis(baseConfig.redisUrl, { forBullmq: true });
    const webhooks = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection: redis, prefix: rig.config.queuePrefix });
    try {
      const ws = await new Workspace(rig.pool).create();
      const [erased = '', kept = ''] = await ws.contacts(2);
      const segment = await ws.segment([erased, kept]);
      const journeyId = await ws.liveJourney({
        tiles: [
          { id: 'seg', type: 'segment', next: ['wait'], config: { segment_ids: [segment] } },
          { id: 'wait', type: 'scheduler', next: ['crm'], config: { wait_days: 1 } },
          {
            id: 'crm',
            type: 'launch_workflow',
            next: ['end'],
            config: { workflow: 'crm-sync', url: `${target.url}/ok` },
          },
          { id: 'end', type: 'end' },
        ],
      });
      await waitFor(
        () => rig.positions(journeyId),
        (p) => tally(p)['wait/waiting'] === 2,
      );
      await eraseContactEverywhere(
        { pool: rig.pool, clickhouse: env.clickhouse },
        { workspaceId: ws.id, contactId: erased, keyId: 'test' },
        { resweepSeconds: 0 },
      );

      // A webhook the outbox relay queued before the erasure (an earlier tile of another journey, say).
      const otherJourney = newId();
      const key = onceKey({ journeyId: otherJourney, tileId: 'crm', iteration: 0, subjectId: erased });
      const body = {
        key,
        workflow: 'crm-sync',
        workspace_id: ws.id,
        journey_id: otherJourney,
        tile_id: 'crm',
        iteration: 0,
        contact_id: erased,
      };
      const queued = await webhooks.add(
        'webhook',
        { v: 1, url: `${target.url}/ok`, workspace_id: ws.id, contact_id: erased, body, once_key: key },
        { attempts: 1 },
      );

      rig.clock.advance(DAY_MS + 60_000);
      await rig.scheduler.tick();
      const positions = await waitFor(
        () => rig.positions(journeyId),
        (p) => p.get(kept) === 'end/done',
      );
      expect([...positions.keys()]).toEqual([kept]);
      await waitFor(
        () => queued.getState(),
        (state) => state === 'completed',
      );
      await waitFor(
        () => target.received.length,
        (n) => n >= 1,
      );
      expect(target.received.map((hook) => JSON.parse(hook.body).contact_id)).toEqual([kept]);
      expect(
        (await rig.pool.query('SELECT 1 FROM journey_webhook_dead_letters WHERE workspace_id = $1', [ws.id])).rowCount,
      ).toBe(0);

      const late = {
        type: 'open' as const,
        data: {
          event_id: newId(),
          event_time: Date.now(),
          workspace_id: ws.id,
          contact_id: erased,
          message_id: newId(),
          email_id: newId(),
          email_version: 1,
          journey_id: journeyId,
          tile_id: 'mail',
          machine: false,
        },
      };
      await recordEngagements(rig.pool, [late]);
      expect((await rig.pool.query('SELECT 1 FROM journey_engagements WHERE contact_id = $1', [erased])).rowCount).toBe(
        0,
      );
    } finally {
      await webhooks.close();
      redis.disconnect();
      await target.close();
    }
  });
});
