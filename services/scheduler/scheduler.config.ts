import {
  bool,
  connectionSchema,
  int,
  poisonAttempts,
  loadConfig,
  rate,
  str,
  type ConfigOf,
} from '../../lib/platform/config';
import { egressSchema } from '../../lib/platform/egress/egress-policy';

/** The scheduler's settings (README configuration reference); parsed once in main.ts and passed in. */
export const schedulerSchema = {
  kafkaBrokers: connectionSchema.kafkaBrokers,
  topicPrefix: connectionSchema.topicPrefix,
  postgresUrl: connectionSchema.postgresUrl,
  // send-time optimisation reads engagement history (docs/scheduler.md#send-time-optimisation): a read-only user
  clickhouseUrl: connectionSchema.clickhouseUrl,
  clickhouseDatabase: connectionSchema.clickhouseDatabase,
  clickhouseUser: connectionSchema.clickhouseUser,
  clickhousePassword: connectionSchema.clickhousePassword,
  redisUrl: connectionSchema.redisUrl,
  queuePrefix: connectionSchema.queuePrefix,
  logLevel: connectionSchema.logLevel,
  poisonAttempts,
  groupId: str('CAIRN_SCHEDULER_GROUP_ID', 'Kafka consumer group reading engagement events', {
    default: 'cairn-scheduler',
  }),
  batchSize: int('CAIRN_SCHEDULER_BATCH_SIZE', 'contacts moved by one tile step (one job, one transaction)', {
    default: 5_000,
  }),
  entryBatch: int(
    'CAIRN_SCHEDULER_ENTRY_BATCH',
    'contacts entered per transaction when a journey enumerates its audience',
    { default: 5_000 },
  ),
  entryBudgetMs: int(
    'CAIRN_SCHEDULER_ENTRY_SLICE_MS',
    'longest an audience entry runs before the tick looks at its other work (it then goes on)',
    { default: 2_000 },
  ),
  fromBeginning: bool(
    'CAIRN_SCHEDULER_FROM_BEGINNING',
    'a new consumer group reads engagement events from the earliest offset',
    { default: true },
  ),
  concurrency: int('CAIRN_SCHEDULER_CONCURRENCY', 'tile steps run at once by one replica', { default: 2 }),
  tickMs: int(
    'CAIRN_SCHEDULER_TICK_MS',
    'how often live journeys are scanned for entries, due contacts and lost jobs',
    { default: 1_000 },
  ),
  webhookAttempts: int('CAIRN_SCHEDULER_WEBHOOK_ATTEMPTS', 'webhook attempts before the dead letter', { default: 5 }),
  webhookBackoffMs: int('CAIRN_SCHEDULER_WEBHOOK_BACKOFF_MS', 'first retry delay of a webhook (doubles each attempt)', {
    default: 1_000,
  }),
  webhookTimeoutMs: int('CAIRN_SCHEDULER_WEBHOOK_TIMEOUT_MS', 'a webhook POST that takes longer failed', {
    default: 5_000,
  }),
  breakerHardBounceRate: rate(
    'CAIRN_BREAKER_HARD_BOUNCE_RATE',
    'a live journey whose hard bounces over its sends in the window pass this rate is paused',
    { default: 0.05 },
  ),
  breakerComplaintRate: rate(
    'CAIRN_BREAKER_COMPLAINT_RATE',
    'a live journey whose complaints over its sends in the window pass this rate is paused',
    { default: 0.003 },
  ),
  breakerMinSends: int('CAIRN_BREAKER_MIN_SENDS', 'sends in the window below which the breaker decides nothing', {
    default: 500,
  }),
  breakerWindowHours: int('CAIRN_BREAKER_WINDOW_HOURS', 'the breaker window: the last this many hours', {
    default: 24,
  }),
  ...egressSchema,
  healthHost: str('CAIRN_SCHEDULER_HEALTH_HOST', 'address of the /healthz listener', { default: '127.0.0.1' }),
  healthPort: int('CAIRN_SCHEDULER_HEALTH_PORT', 'port of the /healthz listener (0: none)', { default: 0 }),
  metricsHost: str('CAIRN_SCHEDULER_METRICS_HOST', 'address of the /metrics listener (loopback: keep it private)', {
    default: '127.0.0.1',
  }),
  metricsPort: int('CAIRN_SCHEDULER_METRICS_PORT', 'port of the /metrics listener (0: none)', { default: 0 }),
};

export type SchedulerConfig = ConfigOf<typeof schedulerSchema>;

export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  return loadConfig(schedulerSchema, env);
}
