import { ClickHouse } from '../../lib/clickhouse/clickhouse-client';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createPgPool } from '../../lib/postgres/pg-pool';
import { createRedis } from '../../lib/redis/redis-connection';
import { runServices, type Service } from '../../lib/shutdown';
import { apiConfigSchema } from './api.config';
import { buildApi } from './app';
import { refreshAllDynamic } from './segment-service';

/** Periodic bulk refresh of dynamic segments, so new members reach live journeys without an API call. */
function segmentRefresher(seconds: number, refresh: () => Promise<void>): Service {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    name: 'segment-refresher',
    start: async () => {
      if (seconds > 0) timer = setInterval(() => (running = running.then(refresh, refresh)), seconds * 1000);
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
    healthcheck: async () => true,
  };
}

async function main(): Promise<void> {
  const config = loadConfig(apiConfigSchema);
  const log = createLogger({ service: 'api', level: config.logLevel });
  const pool = createPgPool(config.postgresUrl, 20);
  const redis = createRedis(config.redisUrl);
  const clickhouse = new ClickHouse({ url: config.clickhouseUrl, database: config.clickhouseDatabase, user: config.clickhouseUser, password: config.clickhousePassword });
  const clickhouseErasure = config.clickhouseErasureUser
    ? new ClickHouse({ url: config.clickhouseUrl, database: config.clickhouseDatabase, user: config.clickhouseErasureUser, password: config.clickhouseErasurePassword })
    : clickhouse;
  const app = await buildApi({ config, pool, redis, clickhouse, clickhouseErasure, log });
  const http: Service = {
    name: 'api-http',
    start: async () => {
      await app.listen({ host: config.host, port: config.port });
    },
    stop: async () => {
      await app.close();
    },
    healthcheck: async () => (await pool.query('SELECT 1')).rowCount === 1,
  };
  const stores: Service = {
    name: 'api-stores',
    start: async () => undefined,
    stop: async () => {
      await Promise.allSettled([pool.end(), redis.quit(), clickhouse.close(), clickhouseErasure === clickhouse ? undefined : clickhouseErasure.close()]);
    },
    healthcheck: async () => true,
  };
  await runServices([stores, segmentRefresher(config.segmentRefreshSeconds, () => refreshAllDynamic(pool, clickhouse, log)), http], log);
}

main().catch((error: unknown) => {
  process.stderr.write(`api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
