import { ClickHouse } from '../../lib/platform/clickhouse/clickhouse-client';
import { loadConfig } from '../../lib/platform/config';
import { createLogger, type Logger } from '../../lib/platform/logger';
import { retentionSchema } from './aggregator.config';

type JobConfig = ReturnType<typeof loadConfig<typeof retentionSchema>>;

/** A one-shot ClickHouse job (retention, KPI backfill): config, logger, client, exit code 1 on failure. */
export async function runClickHouseJob(
  service: string,
  job: (ch: ClickHouse, log: Logger, config: JobConfig) => Promise<void>,
): Promise<void> {
  const config = loadConfig(retentionSchema);
  const log = createLogger({ service, level: config.logLevel });
  const ch = new ClickHouse({
    url: config.clickhouseUrl,
    database: config.clickhouseDatabase,
    user: config.clickhouseUser,
    password: config.clickhousePassword,
  });
  try {
    await job(ch, log, config);
  } catch (error) {
    log.error({ err: error }, `${service.replace('-', '_')}_failed`);
    process.exitCode = 1;
  } finally {
    await ch.close();
  }
}
