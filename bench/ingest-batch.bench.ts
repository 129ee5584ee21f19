// bench: POST /v1/events (NDJSON, API key) → Avro → Kafka acks=all, events/s vs Kafka's ProducerPerformance with the same record size
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApiKey } from '../lib/domain/auth/api-keys';
import { EventCodec } from '../lib/contracts/events/event-codec';
import type { CairnEvent } from '../lib/contracts/events/event-types';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { ingestMetricsUrl, ingestProcess, metricValue } from '../test/ingest/ingest-process';
import { createTestEnv, type TestEnv } from '../test/support/test-env';
import { isQuick, progress, report, round } from './bench-support';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const SECONDS = isQuick ? 8 : 30;
const PER_REQUEST = 1000;
const CONCURRENCY = 4;
const VARIANTS = 20;
const PORT = 18483;
const BASELINE_RECORDS = isQuick ? 300_000 : 1_500_000;

/** Batch events must name contacts of the key's workspace: the bench seeds this many and cycles through them. */
const CONTACTS = Array.from({ length: PER_REQUEST }, () => randomUUID());
let nextContact = 0;

function sampleEvent(workspaceId: string): CairnEvent {
  return {
    type: 'open',
    data: {
      event_id: randomUUID(),
      event_time: Date.now(),
      workspace_id: workspaceId,
      contact_id: CONTACTS[nextContact++ % CONTACTS.length] as string,
      message_id: randomUUID(),
      email_id: randomUUID(),
      email_version: 3,
      journey_id: randomUUID(),
      tile_id: 'tile-email-1',
      iteration: 0,
      machine: false,
      machine_reason: null,
      user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0',
    },
  };
}

/** Pre-built NDJSON bodies (distinct event ids per variant) so the load generator spends little CPU. */
function bodies(workspaceId: string): Buffer[] {
  return Array.from({ length: VARIANTS }, () =>
    Buffer.from(Array.from({ length: PER_REQUEST }, () => JSON.stringify(sampleEvent(workspaceId))).join('\n')),
  );
}

function post(agent: Agent, key: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: '/v1/events',
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200)
            return reject(new Error(`status ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`));
          resolve((JSON.parse(Buffer.concat(chunks).toString()) as { accepted: number }).accepted);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function cairnRate(key: string, payloads: Buffer[]): Promise<{ rate: number; accepted: number; p99Ms: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let accepted = 0;
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, n) => {
      for (let i = n; performance.now() < until; i += CONCURRENCY) {
        const t0 = performance.now();
        // Not `accepted += await ...`: that reads accepted before the await and loses the other clients' counts.
        const got = await post(agent, key, payloads[i % payloads.length] as Buffer);
        accepted += got;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rate: accepted / elapsed, accepted, p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

/** Kafka's own producer (Java), same topic, same record size, acks=all, the same 5 ms linger. */
async function producerPerformance(topic: string, recordSize: number): Promise<number> {
  // The broker's jars live in one machine-wide place (the stack script fetches them once): a second checkout,
  // whose broker another checkout started, finds them too.
  const libs = (
    await run('bash', [join(ROOT, 'scripts', 'stack.sh'), 'kafka-libs'], { timeout: 300_000 })
  ).stdout.trim();
  const args = ['-cp', join(libs, '*'), 'org.apache.kafka.tools.ProducerPerformance'];
  args.push(
    '--topic',
    topic,
    '--num-records',
    String(BASELINE_RECORDS),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
  );
  args.push('--producer-props', 'bootstrap.servers=127.0.0.1:9092', 'acks=all', 'linger.ms=5', 'compression.type=none');
  const { stdout } = await run('java', ['-Xmx512m', ...args], { timeout: 300_000, maxBuffer: 16 << 20 });
  const match = /records sent, ([\d.]+) records\/sec/.exec(stdout.trim().split('\n').pop() ?? '');
  if (!match) throw new Error(`ProducerPerformance: unexpected output\n${stdout}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  const env: TestEnv = await createTestEnv('cairn_bench_batch');
  const spoolDir = join(ROOT, '.stack', `bench-spool-${env.topicPrefix}`);
  const pool = createPgPool(env.postgresUrl, 2);
  const ingest = ingestProcess(PORT, {
    CAIRN_TRACKING_KEYS: `1:${Buffer.alloc(32, 7).toString('base64')}`,
    CAIRN_TOPIC_PREFIX: env.topicPrefix,
    CAIRN_POSTGRES_URL: env.postgresUrl,
    CAIRN_INGEST_SPOOL_DIR: spoolDir,
  });
  try {
    const workspaceId = randomUUID();
    await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [workspaceId, 'bench']);
    await pool.query('INSERT INTO contacts (id, workspace_id) SELECT unnest($2::uuid[]), $1', [workspaceId, CONTACTS]);
    const { key } = await createApiKey(pool, { workspaceId, scopes: ['write'] });
    const recordSize = new EventCodec().encode(sampleEvent(workspaceId)).length;
    const payloads = bodies(workspaceId);
    await ingest.start();
    progress(
      `cairn: ${CONCURRENCY} clients × ${PER_REQUEST} events per POST for ${SECONDS}s (Avro record ${recordSize} B)`,
    );
    await post(new Agent(), key, payloads[0] as Buffer);
    const cairn = await cairnRate(key, payloads);
    const metrics = await (await fetch(ingestMetricsUrl(PORT))).text();
    await ingest.stop();
    progress(
      `cairn: ${round(cairn.rate)} events/s; ProducerPerformance ${BASELINE_RECORDS} records of ${recordSize} B`,
    );
    const baseline = await producerPerformance(env.topics.emailEvents, recordSize);
    report({
      bench: 'ingest-batch',
      value: cairn.rate,
      unit: 'events/s',
      baseline: 'Kafka ProducerPerformance (acks=all, linger.ms=5, same record size)',
      baseline_value: baseline,
      record_bytes: recordSize,
      events_accepted: cairn.accepted,
      events_acked_by_kafka: metricValue(metrics, 'cairn_ingest_events_durable_total', 'path="kafka"'),
      events_spooled: metricValue(metrics, 'cairn_ingest_events_durable_total', 'path="spool"'),
      post_p99_ms: round(cairn.p99Ms),
      duration_s: SECONDS,
      events_per_post: PER_REQUEST,
      clients: CONCURRENCY,
    });
  } finally {
    await ingest.stop();
    await pool.end();
    await env.cleanup();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
