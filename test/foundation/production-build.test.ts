import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { newId, createTestEnv, uniqueName, type TestEnv } from '../support/test-env';
import { TopicReader } from '../support/topic-reader';
import { waitFor } from '../support/wait-for';
import { ChildServer } from '../ingest/ingest-process';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, '.stack', uniqueName('dist'));

/**
 * The production build: `npm run build` compiles to dist/, and each service starts with plain node, no tsx.
 * Built into a folder of its own under the checkout (so node_modules resolves) and removed afterwards.
 */
describe('production build', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('cairn_build');
    await run('bash', [join(ROOT, 'scripts', 'build.sh'), OUT], { cwd: ROOT, timeout: 240_000 });
  }, 300_000);

  afterAll(async () => {
    await env?.cleanup();
    await rm(OUT, { recursive: true, force: true });
  });

  const node = (args: string[], extraEnv: Record<string, string> = {}) =>
    run(process.execPath, args, {
      cwd: ROOT,
      timeout: 120_000,
      env: { ...process.env, NODE_OPTIONS: '', ...extraEnv },
    });

  it('migrates with plain node', async () => {
    const { stderr } = await node([join(OUT, 'scripts', 'migrate.js')], {
      CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
      CAIRN_POSTGRES_URL: env.postgresUrl,
    });
    expect(stderr).not.toMatch(/error/i);
  });

  it('starts the API and ingest with plain node, and ingest produces through its compiled worker thread', async () => {
    const api = new ChildServer(
      [join(OUT, 'services', 'api', 'main.js')],
      {
        CAIRN_API_PORT: '18380',
        CAIRN_ADMIN_TOKEN: 'x'.repeat(32),
        CAIRN_POSTGRES_URL: env.postgresUrl,
        CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
        CAIRN_TOPIC_PREFIX: env.topicPrefix,
        NODE_OPTIONS: '',
        CAIRN_LOG_LEVEL: 'silent',
      },
      'http://127.0.0.1:18380/healthz',
      process.execPath,
    );
    const ingest = new ChildServer(
      [join(OUT, 'services', 'ingest', 'main.js')],
      {
        CAIRN_INGEST_PORT: '18381',
        CAIRN_TRACKING_KEYS: `1:${Buffer.alloc(32, 7).toString('base64')}`,
        CAIRN_POSTGRES_URL: env.postgresUrl,
        CAIRN_TOPIC_PREFIX: env.topicPrefix,
        CAIRN_INGEST_SPOOL_DIR: join(OUT, 'spool'),
        NODE_OPTIONS: '',
        CAIRN_LOG_LEVEL: 'silent',
      },
      'http://127.0.0.1:18381/healthz',
      process.execPath,
    );
    try {
      await api.start(60_000);
      await ingest.start(60_000);
      // The insights pages come from the bundle npm run build wrote (no bundler at run time), with their CSP.
      const page = await fetch('http://127.0.0.1:18380/ui/emails');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      const script = Buffer.from(await (await fetch('http://127.0.0.1:18380/ui/assets/app.js')).arrayBuffer());
      expect(script.equals(await readFile(join(OUT, 'services', 'api', 'public', 'assets', 'app.js')))).toBe(true);
    } finally {
      await ingest.stop();
      await api.stop();
    }

    // The compiled worker producer, loaded by plain node: a message reaches Kafka, and no tsx was loaded.
    const key = newId();
    const script = `
      const { WorkerProducer } = require(${JSON.stringify(join(OUT, 'services', 'ingest', 'kafka-worker-producer.js'))});
      const producer = new WorkerProducer({ brokers: ${JSON.stringify(env.settings.kafkaBrokers)}, lingerMs: 5, maxBatch: 10, logLevel: 'silent' }, { batchSent() {} });
      producer.connect()
        .then(() => producer.send({ topic: ${JSON.stringify(env.topics.deadLetter)}, key: ${JSON.stringify(key)}, value: Buffer.from('built') }))
        .then(() => producer.disconnect())
        .then(() => { if (Object.keys(require.cache).some((p) => p.includes('/tsx/'))) throw new Error('tsx loaded'); console.log('sent'); });`;
    const reader = await new TopicReader(env.kafka, [env.topics.deadLetter]).start();
    try {
      const { stdout } = await node(['-e', script]);
      expect(stdout.trim()).toBe('sent');
      await waitFor(
        () => reader.raw.find((record) => record.key === key)?.value.toString(),
        (value) => value === 'built',
      );
    } finally {
      await reader.stop();
    }
  }, 180_000);

  it("relays the journey engine's outbox through its compiled worker thread with plain node", async () => {
    // One step's tile events, as a step writes them: the compiled relay thread must load, publish and delete them.
    const [workspaceId, journeyId, tileId, contactId] = [newId(), newId(), newId(), newId()];
    const payload = {
      workspace_id: workspaceId,
      journey_id: journeyId,
      event_time: Date.now(),
      groups: [
        ['tile_inflow', tileId, 'end', 1, '', [contactId]],
        ['tile_processed', tileId, 'end', 1, '', [contactId]],
      ],
    };
    const pg = new Pool({ connectionString: env.postgresUrl });
    try {
      await pg.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('events', $1)`, [JSON.stringify(payload)]);
    } finally {
      await pg.end();
    }
    const settings = {
      postgresUrl: env.postgresUrl,
      redisUrl: env.settings.redisUrl,
      queuePrefix: uniqueName('build'),
      kafkaBrokers: env.settings.kafkaBrokers,
      topicPrefix: env.topicPrefix,
      webhookAttempts: 1,
      webhookBackoffMs: 1000,
      logLevel: 'silent',
      pollMs: 50,
    };
    const script = `
      const { startRelayThread } = require(${JSON.stringify(join(OUT, 'services', 'scheduler', 'outbox-relay-thread.js'))});
      const { Client } = require('pg');
      const log = { error: (o) => console.error(JSON.stringify(o)), warn: (o) => console.error(JSON.stringify(o)) };
      const relay = startRelayThread(${JSON.stringify(settings)}, log);
      const client = new Client(${JSON.stringify(env.postgresUrl)});
      (async () => {
        await client.connect();
        for (let i = 0; i < 600; i++) {
          const { rows } = await client.query('SELECT count(*)::int AS n FROM journey_outbox');
          if (rows[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const { rows } = await client.query('SELECT count(*)::int AS n FROM journey_outbox');
        await client.end();
        await relay.stop();
        if (Object.keys(require.cache).some((p) => p.includes('/tsx/'))) throw new Error('tsx loaded');
        console.log('outbox ' + rows[0].n);
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const reader = await new TopicReader(env.kafka, [env.topics.journeyEvents]).start();
    try {
      const { stdout } = await node(['-e', script]);
      expect(stdout.trim()).toBe('outbox 0');
      // Both events of the contact in one message keyed by the contact (an envelope).
      await waitFor(
        () => reader.raw.filter((record) => record.key === contactId).length,
        (count) => count === 1,
      );
    } finally {
      await reader.stop();
    }
  }, 180_000);
});
