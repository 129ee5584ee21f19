import { bool, connectionSchema, int, poisonAttempts, loadConfig, str, type ConfigOf } from '../../lib/platform/config';

/** The aggregator's settings (README configuration reference); parsed once in main.ts and passed in. */
export const aggregatorSchema = {
  kafkaBrokers: connectionSchema.kafkaBrokers,
  topicPrefix: connectionSchema.topicPrefix,
  clickhouseUrl: connectionSchema.clickhouseUrl,
  clickhouseDatabase: connectionSchema.clickhouseDatabase,
  clickhouseUser: connectionSchema.clickhouseUser,
  clickhousePassword: connectionSchema.clickhousePassword,
  logLevel: connectionSchema.logLevel,
  poisonAttempts,
  groupId: str('CAIRN_AGGREGATOR_GROUP_ID', 'Kafka consumer group of the aggregator', { default: 'cairn-aggregator' }),
  maxBatchRows: int('CAIRN_AGGREGATOR_MAX_BATCH_ROWS', 'rows per ClickHouse insert before it is sent early', {
    default: 50_000,
  }),
  insertsInFlight: int('CAIRN_AGGREGATOR_INSERTS_IN_FLIGHT', 'ClickHouse inserts running at once', { default: 2 }),
  lingerMs: int('CAIRN_AGGREGATOR_LINGER_MS', 'longest wait for more rows before an insert', { default: 200 }),
  sessionTimeoutMs: int(
    'CAIRN_AGGREGATOR_SESSION_TIMEOUT_MS',
    'Kafka group session timeout (a crashed member leaves after this)',
    {
      default: 10_000,
    },
  ),
  retryMaxMs: int('CAIRN_AGGREGATOR_RETRY_MAX_MS', 'longest pause between ClickHouse retries', { default: 5_000 }),
  fromBeginning: bool('CAIRN_AGGREGATOR_FROM_BEGINNING', 'a new group starts at the earliest offset', {
    default: true,
  }),
  healthHost: str('CAIRN_AGGREGATOR_HEALTH_HOST', 'address of the /healthz listener', { default: '127.0.0.1' }),
  healthPort: int(
    'CAIRN_AGGREGATOR_HEALTH_PORT',
    'port of the /healthz listener (0: none; several replicas on one host need distinct ports)',
    { default: 0 },
  ),
};

export type AggregatorConfig = ConfigOf<typeof aggregatorSchema>;

export function loadAggregatorConfig(env: NodeJS.ProcessEnv = process.env): AggregatorConfig {
  return loadConfig(aggregatorSchema, env);
}

/** The retention job's settings (services/aggregator/retention.main.ts, run monthly from cron or a scheduler). */
export const retentionSchema = {
  clickhouseUrl: connectionSchema.clickhouseUrl,
  clickhouseDatabase: connectionSchema.clickhouseDatabase,
  clickhouseUser: connectionSchema.clickhouseUser,
  clickhousePassword: connectionSchema.clickhousePassword,
  logLevel: connectionSchema.logLevel,
  keepMonths: int('CAIRN_RETENTION_MONTHS', 'months of events and KPIs kept, the current month included', {
    default: 25,
  }),
};
