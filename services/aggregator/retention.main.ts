import { dropExpiredPartitions } from './retention-job';
import { runClickHouseJob } from './clickhouse-job';

/** One run of the retention job: drops monthly partitions older than CAIRN_RETENTION_MONTHS, then exits. */
void runClickHouseJob('retention', async (ch, log, config) => {
  const dropped = await dropExpiredPartitions(ch, { keepMonths: config.keepMonths });
  log.info({ keepMonths: config.keepMonths, dropped }, 'retention_done');
});
