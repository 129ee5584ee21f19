import { sendBatches } from '../../lib/contracts/sending/send-request';
import { journeyRequest } from '../api/erasure-footprint';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { SchedulerRig } from './scheduler-harness';

// Issue 21 part 2: an outbox row the relay cannot read (a newer build's, or a damaged one) does not block the relay:
// it moves to journey_outbox_dead_letters with its reason in the relay's transaction, and the rows beside it are
// relayed (docs/messages.md#unreadable-messages).

let env: TestEnv;
let rig: SchedulerRig;
beforeAll(async () => {
  env = await createTestEnv('cairn_sched_outbox_dead');
  rig = await new SchedulerRig(env).start();
});
afterAll(async () => {
  await rig?.stop();
  await env?.cleanup();
});

it('moves an unreadable row to the dead letters with its reason and relays the good row beside it', async () => {
  const [workspaceId, journeyId] = [newId(), newId()];
  const good = journeyRequest(workspaceId, journeyId, 'mail', newId());
  const [batch] = sendBatches([good]);
  const newer = { ...batch, v: 2 };
  const rows = [
    ['send', newer],
    ['send', batch],
    ['events', { v: 1, workspace_id: workspaceId, journey_id: journeyId, event_time: 'now', groups: [] }],
  ] as const;
  const { rows: ids } = await rig.pool.query<{ id: string }>(
    `INSERT INTO journey_outbox (kind, payload) SELECT k, p FROM unnest($1::text[], $2::jsonb[]) AS r(k, p) RETURNING id::text`,
    [rows.map(([kind]) => kind), rows.map(([, payload]) => JSON.stringify(payload))],
  );
  rig.scheduler.metrics.registry.resetMetrics();

  await waitFor(
    () => rig.outboxEmpty(),
    (empty) => empty,
    20_000,
  );
  expect((await rig.sendRequests()).filter((r) => r.key === good.key)).toEqual([good]);
  const { rows: dead } = await rig.pool.query<{ id: string; kind: string; workspace_id: string; reason: string }>(
    'SELECT id::text, kind, workspace_id, reason, payload FROM journey_outbox_dead_letters ORDER BY id',
  );
  expect(dead).toEqual([
    {
      id: ids[0]?.id,
      kind: 'send',
      workspace_id: workspaceId,
      reason: 'send batch v2: /v is not a version this reader knows (1)',
      payload: newer,
    },
    {
      id: ids[2]?.id,
      kind: 'events',
      workspace_id: workspaceId,
      reason: 'outbox events v1: /event_time must be integer',
      payload: rows[2][1],
    },
  ]);
  expect(await rig.scheduler.metrics.registry.metrics()).toContain('cairn_scheduler_outbox_dead_letters 2');
});
