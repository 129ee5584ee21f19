import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { emailEvent, produce } from '../aggregator/aggregator-harness';
import { baseConfig, createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { Workspace } from './scheduler-harness';

const CONTACTS = 200;
const ROUNDS = 4;
const EVENTS_PER_ROUND = 5_000;
const ROOT = join(__dirname, '..', '..');
const POINTS = { open: 1, click: 3 } as const;

/**
 * Lead scoring exactly once across a crash (docs/lead-scoring.md#scoring): a scheduler process scores a stream of
 * opens and clicks under a live model and is SIGKILLed mid-stream, then restarted; some events are produced twice.
 * Every event's entry is in the ledger once and every contact's score equals the recount from the events sent.
 */
describe('lead scoring under a scheduler crash', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('cairn_score_fault');
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('scores every event once across a SIGKILL and a restart', async () => {
    const pool = createPgPool(env.postgresUrl, 4);
    const children: ChildProcess[] = [];
    const childEnv = {
      ...process.env,
      CAIRN_POSTGRES_URL: env.postgresUrl,
      CAIRN_TOPIC_PREFIX: env.topicPrefix,
      CAIRN_KAFKA_BROKERS: baseConfig.kafkaBrokers.join(','),
      CAIRN_QUEUE_PREFIX: uniqueName('q'),
      CAIRN_SCHEDULER_GROUP_ID: uniqueName('sched'),
      CAIRN_SCHEDULER_FROM_BEGINNING: 'true',
      CAIRN_LOG_LEVEL: 'warn',
    };
    const start = (): ChildProcess => {
      // node itself with tsx's loader, so the SIGKILL reaches the scheduler and not a wrapper
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'services', 'scheduler', 'main.ts')], {
        cwd: ROOT,
        env: childEnv,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };
    const ledgerSize = async (modelId: string) =>
      (
        await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM lead_score_entries WHERE model_id = $1', [
          modelId,
        ])
      ).rows[0]?.n ?? 0;
    try {
      const ws = await new Workspace(pool).create();
      const contacts = await ws.contacts(CONTACTS);
      const definition = {
        rules: [
          { on: 'open', points: POINTS.open },
          { on: 'click', points: POINTS.click },
        ],
        half_life_days: null,
        threshold: 1_000_000,
      };
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO scoring_models (workspace_id, name, definition, status, live_version) VALUES ($1, 'm', $2, 'live', 1) RETURNING id::text`,
        [ws.id, JSON.stringify(definition)],
      );
      const modelId = rows[0]!.id;
      await pool.query(
        `INSERT INTO scoring_model_versions (model_id, version, workspace_id, definition) VALUES ($1, 1, $2, $3)`,
        [modelId, ws.id, JSON.stringify(definition)],
      );
      const sent: CairnEvent[] = [];
      const round = (i: number): CairnEvent[] =>
        Array.from({ length: EVENTS_PER_ROUND }, (_, k) =>
          emailEvent(k % 4 === 0 ? 'click' : 'open', {
            workspace_id: ws.id,
            contact_id: contacts[(i * EVENTS_PER_ROUND + k) % CONTACTS],
            link_id: 'l1',
          }),
        );
      let victim = start();
      for (let i = 0; i < ROUNDS; i++) {
        const events = round(i);
        sent.push(...events);
        // every round after the first also redelivers a slice of the round before it
        const again = i > 0 ? sent.slice((i - 1) * EVENTS_PER_ROUND, (i - 1) * EVENTS_PER_ROUND + 500) : [];
        await produce(env.kafka, env.topics, [...events, ...again]);
        if (i === 1) {
          // killed while it scores: some of the stream is in the ledger, not all
          await waitFor(
            () => ledgerSize(modelId),
            (n) => n > 0,
            120_000,
            50,
          );
          const gone = new Promise((resolve) => victim.once('exit', (_code, signal) => resolve(signal)));
          victim.kill('SIGKILL');
          expect(await gone).toBe('SIGKILL');
          expect(await ledgerSize(modelId)).toBeLessThan(sent.length);
          victim = start();
        }
      }
      await waitFor(
        () => ledgerSize(modelId),
        (n) => n >= sent.length,
        300_000,
        500,
      );
      expect(await ledgerSize(modelId)).toBe(sent.length);

      const expected = new Map<string, number>();
      for (const event of sent) {
        const points = event.type === 'click' ? POINTS.click : POINTS.open;
        expected.set(event.data.contact_id, (expected.get(event.data.contact_id) ?? 0) + points);
      }
      const { rows: scores } = await pool.query<{ contact_id: string; score: number }>(
        'SELECT contact_id::text, score FROM lead_scores WHERE model_id = $1 AND version = 1',
        [modelId],
      );
      expect(new Map(scores.map((r) => [r.contact_id, r.score]))).toEqual(expected);
      const { rows: duplicates } = await pool.query(
        `SELECT entry_key FROM lead_score_entries WHERE model_id = $1 GROUP BY entry_key HAVING count(*) > 1`,
        [modelId],
      );
      expect(duplicates).toEqual([]);
    } finally {
      const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
      const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
      for (const child of running) child.kill('SIGTERM');
      await Promise.all(exited);
      await pool.end();
    }
  }, 600_000);
});
