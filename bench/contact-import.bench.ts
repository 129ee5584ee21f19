// bench: contact import, CSV streamed through POST /v1/contacts/import (COPY + upsert) vs plain PostgreSQL COPY of the same file
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../lib/platform/config';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { createRedis } from '../lib/platform/redis/redis-connection';
import { apiConfigSchema, type ApiConfig } from '../services/api/api.config';
import { buildApi } from '../services/api/app';
import { createTestEnv, testLogger } from '../test/support/test-env';
import { isQuick, progress, report } from './bench-support';

const ROWS = isQuick ? 100_000 : 1_000_000;
const ZONES = ['Europe/Oslo', 'America/New_York', 'Asia/Tokyo', ''];

async function writeCsv(path: string): Promise<void> {
  function* lines(): Generator<string> {
    yield 'email,first_name,last_name,time_zone,consent_level,city\n';
    let chunk = '';
    for (let i = 0; i < ROWS; i++) {
      chunk += `person${i}@example${i % 97}.com,First${i},Last${i},${ZONES[i % 4]},${i % 6},City${i % 1000}\n`;
      if (chunk.length > 65_536) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk;
  }
  await pipeline(Readable.from(lines()), createWriteStream(path));
}

async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  target.pathname = '/postgres';
  const admin = new Pool({ connectionString: target.toString(), max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '')}" WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-import-'));
  const file = join(dir, 'contacts.csv');
  await writeCsv(file);
  const bytes = statSync(file).size;
  progress(`${ROWS} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const env = await createTestEnv('cairn_bench_import');
  const config = {
    ...loadConfig(apiConfigSchema, {}),
    ...env.settings,
    adminToken: 'bench-admin',
    rateLimitPerMinute: 1_000_000,
  } as ApiConfig;
  const pool = createPgPool(env.postgresUrl, 4);
  const redis = createRedis(config.redisUrl);
  const app = await buildApi({
    config,
    pool,
    redis,
    clickhouse: env.clickhouse,
    log: testLogger('bench'),
    docsUi: false,
  });
  try {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const boot = await fetch(`${base}/v1/admin/workspaces`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-admin', 'content-type': 'application/json' },
      body: '{"name":"bench"}',
    });
    const { key } = (await boot.json()) as { key: string };

    progress('cairn import (HTTP stream → COPY into staging → upsert)');
    let started = performance.now();
    const res = await fetch(`${base}/v1/contacts/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': String(bytes) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const result = (await res.json()) as { created: number; rejected: number };
    const cairnSeconds = (performance.now() - started) / 1000;
    if (res.status !== 200 || result.created !== ROWS)
      throw new Error(`import failed: ${res.status} ${JSON.stringify(result).slice(0, 300)}`);

    progress('baseline: plain COPY of the same file');
    await pool.query(
      'CREATE TABLE copy_baseline (email text, first_name text, last_name text, time_zone text, consent_level smallint, city text)',
    );
    const client = await pool.connect();
    started = performance.now();
    try {
      await pipeline(
        createReadStream(file),
        client.query(copyFrom('COPY copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)')),
      );
    } finally {
      client.release();
    }
    const copySeconds = (performance.now() - started) / 1000;
    report({
      bench: 'contact-import',
      value: ROWS / cairnSeconds,
      unit: 'contacts/s',
      baseline: 'plain PostgreSQL COPY of the same CSV into an unindexed table',
      baseline_value: ROWS / copySeconds,
      rows: ROWS,
      file_mib: Math.round((bytes / 2 ** 20) * 10) / 10,
      cairn_seconds: Math.round(cairnSeconds * 100) / 100,
      copy_seconds: Math.round(copySeconds * 100) / 100,
      target_seconds_for_1m: 20,
    });
  } finally {
    await app.close();
    await pool.end();
    await redis.quit();
    await env.cleanup();
    await dropDatabase(env.postgresUrl);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
