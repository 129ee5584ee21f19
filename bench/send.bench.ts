// bench: messages/s handed to postfix's smtp-sink by the sender (queue → ledger → render → SMTP → events) vs smtp-source, same size, same sink
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { createRedis } from '../lib/platform/redis/redis-connection';
import { createTestEnv } from '../test/support/test-env';
import { progress, report, round } from './bench-support';
import { CONNECTIONS, measureSender, MESSAGES, messageSize } from './send-support';
import { benchEmail } from './sender-fixture';

const run = promisify(execFile);
const SINK = process.env.CAIRN_SMTP_SINK ?? '127.0.0.1:2525';

async function main(): Promise<void> {
  const env = await createTestEnv('cairn_bench_send');
  const pool = createPgPool(env.postgresUrl, 4);
  const redis = createRedis(env.settings.redisUrl, { forBullmq: true });
  const email = await benchEmail(50);
  const cairn = await measureSender(env, pool, redis, email, `smtp://${SINK}`);

  // the size of the messages the sender produced: one rendered and composed the same way
  const size = await messageSize(email);
  const baseStarted = Date.now();
  await run(
    'smtp-source',
    ['-s', String(CONNECTIONS), '-l', String(size), '-m', String(MESSAGES)].concat([
      '-f',
      'news@cairn.example',
      '-t',
      'r@example.com',
      SINK,
    ]),
    { maxBuffer: 1 << 24 },
  );
  const baseline = MESSAGES / ((Date.now() - baseStarted) / 1000);
  progress(`smtp-source: ${round(baseline)} messages/s of ${size} bytes`);
  await redis.quit();
  await pool.end();
  await env.cleanup();
  report({
    bench: 'send',
    value: cairn,
    unit: 'messages/s',
    baseline: `postfix smtp-source, ${CONNECTIONS} sessions, same size, same sink`,
    baseline_value: baseline,
    messages: MESSAGES,
    message_bytes: size,
    connections: CONNECTIONS,
    target: 1000,
  });
}

void main().then(() => process.exit(0));
