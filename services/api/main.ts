import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { loadConfig } from '../../lib/platform/config';
import { createLogger, type Logger } from '../../lib/platform/logger';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { runServices, type Service } from '../../lib/platform/shutdown';
import { apiConfigSchema, type ApiConfig } from './api.config';
import { buildApi } from './app';
import { resweepDue } from './erasure-resweep';
import { refreshAllDynamic } from './segment-service';

/** Work run every `seconds` (0 = never), one run at a time; a failed run is logged and the next one goes ahead. */
function periodic(name: string, seconds: number, run: () => Promise<unknown>, log: Logger): Service {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const failed = (error: Error) => log.warn({ component: name, err: error.message }, 'periodic_run_failed');
  return {
    name,
    start: async () => {
      if (seconds > 0)
        timer = setInterval(() => {
          running = running.then(run).catch(failed);
        }, seconds * 1000);
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
    healthcheck: async () => true,
  };
}

/** The connections the API keeps, and the service that closes them last. */
function openStores(config: ApiConfig, log: Logger) {
  const pool = createPgPool(config.postgresUrl, 20, log);
  const redis = createRedis(config.redisUrl);
  const clickhouse = new ClickHouse({
    url: config.clickhouseUrl,
    database: config.clickhouseDatabase,
    user: config.clickhouseUser,
    password: config.clickhousePassword,
  });
  const clickhouseErasure = config.clickhouseErasureUser
    ? new ClickHouse({
        url: config.clickhouseUrl,
        database: config.clickhouseDatabase,
        user: config.clickhouseErasureUser,
        password: config.clickhouseErasurePassword,
      })
    : clickhouse;
  const stores: Service = {
    name: 'api-stores',
    start: async () => undefined,
    stop: async () => {
      await Promise.allSettled([
        pool.end(),
        redis.quit(),
        clickhouse.close(),
        clickhouseErasure === clickhouse ? undefined : clickhouseErasure.close(),
      ]);
    },
    healthcheck: async () => true,
  };
  return { pool, redis, clickhouse, clickhouseErasure, stores };
}

/** The API on its port; healthy while PostgreSQL answers. */
function httpService(app: FastifyInstance, config: ApiConfig, pool: Pool): Service {
  return {
    name: 'api-http',
    start: async () => {
      await app.listen({ host: config.host, port: config.port });
    },
    stop: async () => {
      await app.close();
    },
    healthcheck: async () => (await pool.query('SELECT 1')).rowCount === 1,
  };
}

async function main(): Promise<void> {
  const config = loadConfig(apiConfigSchema);
  const log = createLogger({ service: 'api', level: config.logLevel });
  const { pool, redis, clickhouse, clickhouseErasure, stores } = openStores(config, log);
  const app = await buildApi({ config, pool, redis, clickhouse, clickhouseErasure, log });
  const http = httpService(app, config, pool);
  // New members reach live journeys without an API call.
  const segments = periodic(
    'segment-refresher',
    config.segmentRefreshSeconds,
    () => refreshAllDynamic(pool, clickhouse, log),
    log,
  );
  // Due second passes are looked for a few times per delay, at least every 30 s.
  const resweepEvery =
    config.erasureResweepSeconds > 0 ? Math.min(30, Math.max(1, Math.ceil(config.erasureResweepSeconds / 4))) : 0;
  const resweeper = periodic(
    'erasure-resweeper',
    resweepEvery,
    () => resweepDue({ pool, clickhouse: clickhouseErasure, log }),
    log,
  );
  await runServices([stores, segments, resweeper, http], log);
}

main().catch((error: unknown) => {
  process.stderr.write(`api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
