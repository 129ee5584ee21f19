import { ClickHouse } from '../../lib/clickhouse/clickhouse-client';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { dropExpiredPartitions } from '../../lib/retention/retention-job';
import { retentionSchema } from './aggregator.config';

/** One run of the retention job: drops monthly partitions older than CAIRN_RETENTION_MONTHS, then exits. */
async function main(): Promise<void> {
  const config = loadConfig(retentionSchema);
  const log = createLogger({ service: 'retention', level: config.logLevel });
  const ch = new ClickHouse({ url: config.clickhouseUrl, database: config.clickhouseDatabase, user: config.clickhouseUser, password: config.clickhousePassword });
  try {
    const dropped = await dropExpiredPartitions(ch, { keepMonths: config.keepMonths });
    log.info({ keepMonths: config.keepMonths, dropped }, 'retention_done');
  } catch (error) {
    log.error({ err: error }, 'retention_failed');
    process.exitCode = 1;
  } finally {
    await ch.close();
  }
}

void main();
