import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { produce, rawCounts } from './aggregator-harness';
import { AggregatorProcess, kpiMismatches, mixedEvents } from './fault-harness';

const KILLS = 6;

/**
 * docs/clickhouse.md#exactly-once-in-effect: SIGKILL the aggregator at random moments (mid-batch, between insert and
 * commit, during start-up and group rebalances) while events stream in; afterwards every KPI equals the recount from
 * raw events and each event_id is in the raw table exactly once.
 */
describe('aggregator SIGKILLed repeatedly', () => {
  let env: TestEnv;
  const replicas: AggregatorProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv('cairn_agg_crash');
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await env?.cleanup();
  });

  /** `count` processes in one group; each kill picks one at random, so partitions also move between live members. */
  function startReplicas(count: number, groupId: string): AggregatorProcess[] {
    const logDir = mkdtempSync(join(tmpdir(), 'cairn-agg-'));
    const started = Array.from({ length: count }, (_, i) => {
      const replica = new AggregatorProcess(
        {
          CAIRN_TOPIC_PREFIX: env.topicPrefix,
          CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
          CAIRN_AGGREGATOR_GROUP_ID: groupId,
          CAIRN_AGGREGATOR_SESSION_TIMEOUT_MS: '6000',
          CAIRN_AGGREGATOR_MAX_BATCH_ROWS: '5000',
        },
        join(logDir, `aggregator-${i}.log`),
      );
      replica.start();
      return replica;
    });
    replicas.push(...started);
    return started;
  }

  async function streamWhileKilling(total: number, processes: AggregatorProcess[], seed: number): Promise<void> {
    const events = mixedEvents(uniqueName('ws'), total, seed);
    let produced = false;
    // Paced over ~30 s or more so the kills land while the stream is still flowing.
    const producing = (async () => {
      for (let i = 0; i < total; i += 5_000) {
        await produce(env.kafka, env.topics, events.slice(i, i + 5_000));
        await new Promise((resolve) => setTimeout(resolve, Math.floor(30_000 / (total / 5_000))));
      }
      produced = true;
    })();
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const before = (await rawCounts(env.clickhouse)).rows;
        // Kill once something new was written (every third time right away: during start-up or a rebalance).
        await waitFor(
          () => rawCounts(env.clickhouse),
          (c) => c.rows > before || kill % 3 === 2 || produced,
          60_000,
          50,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 1_500)));
        const victim = processes[Math.floor(Math.random() * processes.length)] as AggregatorProcess;
        victim.kill();
        victim.start();
      }
    } finally {
      await producing;
    }
  }

  it('counts 200,000 events exactly once across 6 crashes of the aggregator', async () => {
    const before = await rawCounts(env.clickhouse);
    await streamWhileKilling(200_000, startReplicas(1, uniqueName('agg')), 7);
    const counts = await waitFor(
      () => rawCounts(env.clickhouse),
      (c) => c.distinct >= before.distinct + 200_000,
      180_000,
      500,
    );
    expect(counts).toEqual({ rows: 200_000, distinct: 200_000 });
    expect(await kpiMismatches(env.clickhouse)).toEqual([]);
  }, 420_000);

  it('stays exact with two replicas in the group while one at a time is SIGKILLed', async () => {
    const before = await rawCounts(env.clickhouse);
    for (const replica of replicas.splice(0)) await replica.stop();
    // Same topics, a new group and new workspace: the ledger still says where each partition stands.
    await streamWhileKilling(100_000, startReplicas(2, uniqueName('agg2')), 13);
    const counts = await waitFor(
      () => rawCounts(env.clickhouse),
      (c) => c.distinct >= before.distinct + 100_000,
      180_000,
      500,
    );
    expect(counts).toEqual({ rows: before.rows + 100_000, distinct: before.distinct + 100_000 });
    expect(await kpiMismatches(env.clickhouse)).toEqual([]);
  }, 420_000);
});
