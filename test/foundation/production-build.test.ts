import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
    run(process.execPath, args, { cwd: ROOT, timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '', ...extraEnv } });

  it('migrates with plain node', async () => {
    const { stderr } = await node([join(OUT, 'scripts', 'migrate.js')], {
      CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase,
      CAIRN_POSTGRES_URL: env.postgresUrl,
    });
    expect(stderr).not.toMatch(/error/i);
  });

  it('starts the API and ingest with plain node, and ingest produces through its compiled worker thread', async () => {
    const api = new ChildServer([join(OUT, 'services', 'api', 'main.js')], {
      CAIRN_API_PORT: '18380', CAIRN_ADMIN_TOKEN: 'x'.repeat(32), CAIRN_POSTGRES_URL: env.postgresUrl,
      CAIRN_CLICKHOUSE_DATABASE: env.clickhouseDatabase, CAIRN_TOPIC_PREFIX: env.topicPrefix, NODE_OPTIONS: '', CAIRN_LOG_LEVEL: 'silent',
    }, 'http://127.0.0.1:18380/healthz', process.execPath);
    const ingest = new ChildServer([join(OUT, 'services', 'ingest', 'main.js')], {
      CAIRN_INGEST_PORT: '18381', CAIRN_TRACKING_KEYS: `1:${Buffer.alloc(32, 7).toString('base64')}`, CAIRN_POSTGRES_URL: env.postgresUrl,
      CAIRN_TOPIC_PREFIX: env.topicPrefix, CAIRN_INGEST_SPOOL_DIR: join(OUT, 'spool'), NODE_OPTIONS: '', CAIRN_LOG_LEVEL: 'silent',
    }, 'http://127.0.0.1:18381/healthz', process.execPath);
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
      await waitFor(() => reader.raw.find((record) => record.key === key)?.value.toString(), (value) => value === 'built');
    } finally {
      await reader.stop();
    }
  }, 180_000);
});
