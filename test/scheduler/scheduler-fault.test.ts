import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { requestsOf, SEND_QUEUE, type SendBatchJob } from '../../lib/contracts/sending/send-request';
import { emailEvent, produce } from '../aggregator/aggregator-harness';
import { PrivateRedis } from '../support/private-redis';
import { baseConfig, createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { LOOPBACK_EGRESS } from '../support/loopback-egress';
import { tally, webhookTarget, Workspace } from './scheduler-harness';

const CONTACTS = Number(process.env.CAIRN_FAULT_CONTACTS ?? 50_000);
const ROOT = join(__dirname, '..', '..');
const note = (message: string): void =>
  void (process.env.CAIRN_TEST_LOG ? process.stderr.write(`[fault] ${message}\n`) : undefined);

/**
 * The journey engine's invariants (docs/scheduler.md#exactly-once, docs/security.md#invariants): two scheduler replicas
 * as real processes, one SIGKILLed three times at random moments, Redis restarted once; every contact ends at exactly
 * one end tile and every send request, lead and webhook exists exactly once.
 */
describe('scheduler under faults', () => {
  let env: TestEnv;
  const redis = new PrivateRedis(16_391);

  beforeAll(async () => {
    env = await createTestEnv('cairn_sched_fault');
    await redis.start();
  });

  afterAll(async () => {
    await redis.destroy();
    await env?.cleanup();
  });

  it('survives SIGKILLs, a Redis restart and two replicas with every side effect exactly once', async () => {
    const target = await webhookTarget();
    const pool = createPgPool(env.postgresUrl, 4);
    const replicas: ChildProcess[] = [];
    const childEnv = {
      ...process.env,
      CAIRN_POSTGRES_URL: env.postgresUrl,
      CAIRN_REDIS_URL: redis.url,
      CAIRN_TOPIC_PREFIX: env.topicPrefix,
      CAIRN_KAFKA_BROKERS: baseConfig.kafkaBrokers.join(','),
      CAIRN_QUEUE_PREFIX: uniqueName('q'),
      CAIRN_SCHEDULER_GROUP_ID: uniqueName('sched'),
      CAIRN_SCHEDULER_TICK_MS: '500',
      CAIRN_SCHEDULER_BATCH_SIZE: '2000',
      CAIRN_LOG_LEVEL: 'warn',
      ...LOOPBACK_EGRESS,
    };
    const startReplica = (): ChildProcess => {
      // node itself with tsx's loader (not the tsx CLI, whose wrapper would take the SIGKILL and orphan the scheduler)
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services', 'scheduler', 'main.ts')], {
        cwd: ROOT,
        env: childEnv,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      replicas.push(child);
      return child;
    };
    const sendRedis = createRedis(redis.url, { forBullmq: true });
    const sendQueue = new Queue<SendBatchJob>(SEND_QUEUE, {
      connection: sendRedis,
      prefix: childEnv.CAIRN_QUEUE_PREFIX,
    });
    try {
      const ws = await new Workspace(pool).create();
      const contacts = await ws.contacts(CONTACTS);
      const segment = await ws.segment(contacts);
      const email = await ws.email();
      // Late enough that a killed replica's partitions are reassigned (Kafka session timeout) before it passes.
      const timeoutAt = new Date(Date.now() + 150_000).toISOString();
      const journeyId = await ws.liveJourney({
        tiles: [
          { id: 'seg', type: 'segment', next: ['mail'], config: { segment_ids: [segment] } },
          { id: 'mail', type: 'email', next: ['clicked'], config: { email_id: email } },
          {
            id: 'clicked',
            type: 'trigger',
            next: ['lead', 'hook'],
            config: { email_tile_id: 'mail', condition: 'clicked', timeout_at: timeoutAt },
          },
          { id: 'lead', type: 'create_lead', next: ['end_true'], config: {} },
          { id: 'end_true', type: 'end' },
          {
            id: 'hook',
            type: 'launch_workflow',
            next: ['end_false'],
            config: { workflow: 'nurture', url: `${target.url}/ok` },
          },
          { id: 'end_false', type: 'end' },
        ],
      });
      let victim = startReplica();
      startReplica();
      const clickers = contacts.filter((_, i) => i % 10 === 0);
      const data = { workspace_id: ws.id, email_id: email, journey_id: journeyId, tile_id: 'mail', iteration: 0 };
      // Three SIGKILLs at random moments of the first 45 s, the Redis restart between them, clicks meanwhile.
      const moments = [0, 1, 2].map((i) => 5_000 + i * 13_000 + Math.floor(Math.random() * 8_000));
      let elapsed = 0;
      for (const [i, moment] of moments.entries()) {
        await new Promise((resolve) => setTimeout(resolve, moment - elapsed));
        elapsed = moment;
        const gone = new Promise((resolve) => victim.once('exit', (_code, signal) => resolve(signal)));
        victim.kill('SIGKILL');
        expect(await gone).toBe('SIGKILL');
        note(`SIGKILL ${i + 1} at ${moment} ms`);
        if (i === 1) await redis.restart();
        if (i === 1) note('redis restarted');
        victim = startReplica();
        await produce(
          env.kafka,
          env.topics,
          clickers.filter((_, k) => k % 3 === i).map((contact_id) => emailEvent('click', { ...data, contact_id })),
        );
      }
      const positions = async () => {
        const { rows } = await pool.query<{ contact_id: string; p: string }>(
          `SELECT contact_id, tile_id || '/' || state AS p FROM journey_contacts WHERE journey_id = $1`,
          [journeyId],
        );
        return new Map(rows.map((r) => [r.contact_id, r.p]));
      };
      note('waiting for every contact to reach an end tile');
      const final = await waitFor(
        positions,
        (p) =>
          (note(JSON.stringify(tally(p))), p.size === CONTACTS) &&
          (tally(p)['end_true/done'] ?? 0) + (tally(p)['end_false/done'] ?? 0) === CONTACTS,
        240_000,
        1_000,
      );
      const onPath = (end: string) =>
        [...final]
          .filter(([, p]) => p === `${end}/done`)
          .map(([c]) => c)
          .sort();
      const leads = await pool.query<{ contact_id: string }>('SELECT contact_id FROM leads WHERE journey_id = $1', [
        journeyId,
      ]);
      expect(leads.rows.map((r) => r.contact_id).sort()).toEqual(onPath('end_true'));
      await waitFor(
        () => pool.query('SELECT 1 FROM journey_outbox LIMIT 1'),
        (r) => r.rowCount === 0,
        120_000,
      );
      const jobs = await sendQueue.getJobs(['waiting', 'active', 'completed', 'delayed', 'prioritized', 'failed']);
      const keys = jobs.flatMap((job) => requestsOf(job.data).map((r) => r.key));
      expect(keys.length).toBe(CONTACTS);
      expect(new Set(keys).size).toBe(CONTACTS);
      const falsePath = onPath('end_false');
      const hooks = await waitFor(
        () => target.received.filter((r) => r.path === '/ok'),
        (r) => new Set(r.map((h) => h.headers['idempotency-key'])).size === falsePath.length,
        // 45,000 webhooks: about a minute alone, past two on a machine loaded by the rest of the suite.
        240_000,
        500,
      );
      expect(hooks.length).toBe(falsePath.length);
      expect(hooks.map((h) => JSON.parse(h.body).contact_id).sort()).toEqual(falsePath);
      // Every click was produced long before the timeout: each clicker took the true path.
      expect(onPath('end_true')).toEqual([...clickers].sort());
    } finally {
      const running = replicas.filter((child) => child.exitCode === null && child.signalCode === null);
      const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
      for (const child of running) child.kill('SIGTERM');
      await Promise.all(exited);
      await sendQueue.close();
      sendRedis.disconnect();
      await pool.end();
      await target.close();
    }
  }, 600_000);
});
