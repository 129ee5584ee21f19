import type { JourneyEvent } from '../../lib/contracts/events/event-types';
import type { Tile } from '../../lib/domain/journeys/journey-graph';
import { verifyWebhookSignature } from '../../lib/contracts/webhooks/signed-webhook';
import { TopicReader } from '../support/topic-reader';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { SchedulerRig, schedulerConfig, tally, webhookTarget, Workspace } from './scheduler-harness';

/*
 * Issue 20, the journey engine's half of defects 1 and 2, on the real stack with HTTP receivers on loopback.
 * Defect 1: a launch-workflow webhook whose destination resolves to a refused address is never sent (the tile
 * failed, reason egress_refused, not retried, dead-lettered); with the allowlist naming 127.0.0.0/8 it is.
 * Defect 2: each workspace's calls are signed with its own secret; rotation changes the signature.
 */
let env: TestEnv;
let target: Awaited<ReturnType<typeof webhookTarget>>;

beforeAll(async () => {
  env = await createTestEnv('cairn_egress');
  target = await webhookTarget();
});

afterAll(async () => {
  await target?.close();
  await env?.cleanup();
});

async function workflowJourney(
  ws: Workspace,
  contacts: number,
  urls: Record<string, string>,
  checked = true,
): Promise<{ journeyId: string; contactIds: string[] }> {
  const contactIds = await ws.contacts(contacts);
  const segment = await ws.segment(contactIds);
  const hooks = Object.entries(urls);
  const tiles: Tile[] = [
    { id: 'seg', type: 'segment', next: [hooks[0]?.[0] ?? 'end'], config: { segment_ids: [segment] } },
    ...hooks.map(([id, url], i): Tile => ({
      id,
      type: 'launch_workflow',
      next: [hooks[i + 1]?.[0] ?? 'end'],
      config: { workflow: 'crm-sync', url },
    })),
    { id: 'end', type: 'end' },
  ];
  return { journeyId: await ws.liveJourney({ tiles }, {}, { checked }), contactIds };
}

describe('egress at send time, default address policy', () => {
  let rig: SchedulerRig;
  let reader: TopicReader;

  beforeAll(async () => {
    // No allowlist (the default); every port, so that what refuses below is the address, not the port.
    rig = await new SchedulerRig(
      env,
      schedulerConfig(env, { CAIRN_EGRESS_ALLOW_CIDRS: '', CAIRN_EGRESS_ALLOW_PORTS: '1-65535' }),
    ).start();
    reader = await new TopicReader(env.kafka, [env.topics.journeyEvents]).start();
  });

  afterAll(async () => {
    await reader?.stop();
    await rig?.stop();
  });

  it('refuses a name resolving to loopback and the ClickHouse-SSRF literal: nothing received, tile failed egress_refused, dead-lettered after one attempt', async () => {
    const ws = await new Workspace(rig.pool).create();
    const port = new URL(target.url).port;
    // Live without the go-live check: a journey that went live before this policy (or while its name resolved
    // elsewhere). The check refuses both URLs (test/api/api-egress-scopes.test.ts); the scheduler must too.
    const { journeyId, contactIds } = await workflowJourney(
      ws,
      3,
      { by_name: `http://localhost:${port}/by-name`, ssrf: `http://127.0.0.1:${port}/?query=%2F*` },
      false,
    );
    await waitFor(
      () => rig.positions(journeyId),
      (p) => tally(p)['end/done'] === 3,
    );
    const dead = await waitFor(
      () =>
        rig.pool.query<{ once_key: string; reason: string; attempts: number; last_error: string }>(
          'SELECT * FROM journey_webhook_dead_letters WHERE workspace_id = $1',
          [ws.id],
        ),
      (r) => r.rowCount === 6,
    );
    expect(target.received).toEqual([]);
    expect(dead.rows.map((r) => [r.reason, r.attempts])).toEqual(dead.rows.map(() => ['egress_refused', 1]));
    expect(dead.rows.find((r) => r.once_key.includes(':by_name:'))?.last_error).toMatch(/localhost.*loopback/);
    const failed = await waitFor(
      () =>
        reader.events.filter(
          (e): e is Extract<JourneyEvent, { type: 'tile_failed' }> =>
            e.type === 'tile_failed' && e.data.journey_id === journeyId,
        ),
      (events) => events.length === 6,
    );
    expect(failed.map((e) => [e.data.tile_id, e.data.error_code]).sort()).toEqual(
      [
        ...contactIds.map(() => ['by_name', 'egress_refused']),
        ...contactIds.map(() => ['ssrf', 'egress_refused']),
      ].sort(),
    );
    expect(new Set(failed.map((e) => e.data.contact_id))).toEqual(new Set(contactIds));
  });
});

describe('egress with the allowlist naming 127.0.0.0/8, and per-workspace signing secrets', () => {
  let rig: SchedulerRig;

  beforeAll(async () => {
    rig = await new SchedulerRig(env).start(); // the harness's loopback allowlist
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const posts = (journeyId: string) =>
    waitFor(
      () => target.received.filter((r) => r.body.includes(journeyId)),
      (r) => r.length === 2,
    );
  const verifies = (secret: string, hook: { headers: Record<string, unknown>; body: string }): boolean =>
    verifyWebhookSignature(secret, String(hook.headers['x-cairn-signature']), Buffer.from(hook.body), {
      nowSeconds: Math.floor(Date.now() / 1000),
      toleranceSeconds: 300,
    });

  it('delivers to the allowlisted receiver, each workspace signing with its own secret; rotation changes the secret that verifies', async () => {
    const a = await new Workspace(rig.pool, newId(), `whsec_a_${newId()}`).create();
    const b = await new Workspace(rig.pool, newId(), `whsec_b_${newId()}`).create();
    const first = await workflowJourney(a, 2, { hook: `${target.url}/ok` });
    const other = await workflowJourney(b, 2, { hook: `${target.url}/ok` });
    const fromA = await posts(first.journeyId);
    const fromB = await posts(other.journeyId);
    expect(fromA.every((hook) => verifies(a.webhookSecret, hook))).toBe(true);
    expect(fromB.every((hook) => verifies(b.webhookSecret, hook))).toBe(true);
    // A receiver verifying with workspace A's secret refuses B's calls, and the signatures differ.
    expect(fromB.some((hook) => verifies(a.webhookSecret, hook))).toBe(false);
    expect(
      new Set([...fromA, ...fromB].map((hook) => String(hook.headers['x-cairn-signature']).split('v1=')[1])).size,
    ).toBe(4);

    // Rotation (what POST /v1/workspace/webhook-secret does): the next call is signed with the new secret only.
    const { rows } = await rig.pool.query<{ webhook_secret: string }>(
      'UPDATE workspaces SET webhook_secret = DEFAULT, webhook_secret_rotated_at = now() WHERE id = $1 RETURNING webhook_secret',
      [a.id],
    );
    const rotated = rows[0]?.webhook_secret as string;
    expect(rotated).not.toBe(a.webhookSecret);
    const after = await posts((await workflowJourney(a, 2, { hook: `${target.url}/ok` })).journeyId);
    expect(after.every((hook) => verifies(rotated, hook))).toBe(true);
    expect(after.some((hook) => verifies(a.webhookSecret, hook))).toBe(false);
  });
});
