// bench: messages/s the sender hands to postfix over STARTTLS (and plain) vs the least a raw client does to the same postfix
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { createRedis } from '../lib/platform/redis/redis-connection';
import { createTestEnv } from '../test/support/test-env';
import { progress, report, round } from './bench-support';
import { rawSource } from './loadgen/smtp-tls-source';
import { CONNECTIONS, measureSender, MESSAGES, messageSize } from './send-support';
import { benchEmail } from './sender-fixture';

// The stack's private postfix relay (docs/local-stack.md): STARTTLS with the test-only certificate, discard transport.
const PORT = Number(process.env.CAIRN_POSTFIX_PORT ?? 2526);
const CA_FILE = join(__dirname, '..', 'test', 'fixtures', 'tls', 'localhost.crt');

async function main(): Promise<void> {
  const env = await createTestEnv('cairn_bench_send_tls');
  const pool = createPgPool(env.postgresUrl, 4);
  const redis = createRedis(env.settings.redisUrl, { forBullmq: true });
  const email = await benchEmail(50);
  const size = await messageSize(email);
  const ca = readFileSync(CA_FILE, 'utf8');
  const raw = (tls: boolean) =>
    rawSource({ host: '127.0.0.1', port: PORT, sessions: CONNECTIONS, messages: MESSAGES, size, ca, tls });

  // localhost, so the relay's certificate (CN/SAN localhost) verifies against the test CA
  const url = `smtp://localhost:${PORT}`;
  const tls = await measureSender(env, pool, redis, email, url, {
    CAIRN_SENDER_SMTP_TLS: 'required',
    CAIRN_SENDER_SMTP_TLS_CA_FILE: CA_FILE,
  });
  const rawTls = await raw(true);
  progress(`raw STARTTLS client: ${round(rawTls)} messages/s of ${size} bytes`);
  const plain = await measureSender(env, pool, redis, email, url, { CAIRN_SENDER_SMTP_TLS: 'off' });
  const rawPlain = await raw(false);
  progress(`raw plain client: ${round(rawPlain)} messages/s of ${size} bytes`);
  await redis.quit();
  await pool.end();
  await env.cleanup();
  report({
    bench: 'send-tls',
    value: tls,
    unit: 'messages/s',
    baseline: `raw pipelined STARTTLS client (bench/loadgen/smtp-tls-source.ts), ${CONNECTIONS} sessions, same size, same postfix`,
    baseline_value: rawTls,
    plain_value: plain,
    plain_baseline_value: rawPlain,
    plain_ratio: plain / rawPlain,
    messages: MESSAGES,
    message_bytes: size,
    connections: CONNECTIONS,
    target: 1000,
  });
}

void main().then(() => process.exit(0));
