import {
  connectionSchema,
  int,
  poisonAttempts,
  list,
  loadConfig,
  str,
  url,
  type ConfigOf,
} from '../../lib/platform/config';

/** 4 MiB of HTML is forty times the ~100 KB at which mail clients start clipping a message. */
export const SENDER_RENDER_MAX_CHARS = 4 * 1_048_576;

/** The sender's settings (README configuration reference, docs/sender.md); parsed once in main.ts and passed in. */
export const senderSchema = {
  kafkaBrokers: connectionSchema.kafkaBrokers,
  topicPrefix: connectionSchema.topicPrefix,
  postgresUrl: connectionSchema.postgresUrl,
  redisUrl: connectionSchema.redisUrl,
  queuePrefix: connectionSchema.queuePrefix,
  logLevel: connectionSchema.logLevel,
  trackingKeys: list(
    'CAIRN_TRACKING_KEYS',
    'tracking token keys "<id>:<base64 secret ≥16 bytes>", the same as ingest\'s',
    { secret: true },
  ),
  trackingActiveKey: int('CAIRN_TRACKING_ACTIVE_KEY', 'key id that mints new tokens', { default: 1 }),
  ingestUrl: url(
    'CAIRN_SENDER_TRACKING_URL',
    "ingest's public base URL for pixel, click, unsubscribe and forward links",
    { default: 'http://127.0.0.1:8081' },
  ),
  unsubscribeMailbox: str(
    'CAIRN_SENDER_UNSUBSCRIBE_MAILBOX',
    'mailto address of List-Unsubscribe (empty: unsubscribe@<from domain>)',
    { default: '' },
  ),
  renderMaxChars: int(
    'CAIRN_SENDER_RENDER_MAX_CHARS',
    'most characters one template part (HTML, text, subject, from name) may render per recipient; a larger bound is refused (RENDER_BUDGET_EXCEEDED)',
    { default: SENDER_RENDER_MAX_CHARS },
  ),
  smtpUrl: str('CAIRN_SENDER_SMTP_URL', 'SMTP relay, e.g. smtp://user:pass@relay:587', {
    default: 'smtp://127.0.0.1:2525',
    secret: true,
  }),
  smtpClient: str(
    'CAIRN_SENDER_SMTP_CLIENT',
    "'lean' (pipelined, plain smtp:// only; TLS or AUTH URLs use nodemailer) or 'nodemailer'",
    { default: 'lean' },
  ),
  smtpConnections: int('CAIRN_SENDER_SMTP_CONNECTIONS', 'pooled SMTP connections, the messages on the wire at once', {
    default: 8,
  }),
  messagesPerConnection: int(
    'CAIRN_SENDER_SMTP_MESSAGES_PER_CONNECTION',
    'messages before a pooled connection is renewed',
    { default: 1000 },
  ),
  domainConcurrency: int('CAIRN_SENDER_DOMAIN_CONCURRENCY', 'messages on the wire at once per destination domain', {
    default: 8,
  }),
  ratePerSecond: int('CAIRN_SENDER_RATE', 'messages per second in total (0: unlimited)', { default: 0 }),
  domainRatePerSecond: int('CAIRN_SENDER_DOMAIN_RATE', 'messages per second per destination domain (0: unlimited)', {
    default: 0,
  }),
  smtpTimeoutMs: int('CAIRN_SENDER_SMTP_TIMEOUT_MS', 'connect, greeting and socket timeout', { default: 30_000 }),
  jobConcurrency: int('CAIRN_SENDER_JOB_CONCURRENCY', 'send batches processed at once per process', { default: 4 }),
  stalledMs: int('CAIRN_SENDER_STALLED_MS', "BullMQ lock: a dead worker's batch is handed out again after this", {
    default: 30_000,
  }),
  leaseMs: int('CAIRN_SENDER_ATTEMPT_LEASE_MS', 'an attempt without a recorded reply after this is outcome_unknown', {
    default: 120_000,
  }),
  sweepMs: int(
    'CAIRN_SENDER_SWEEP_MS',
    'how often stale attempts, unacknowledged outcomes and overdue retries are swept',
    { default: 10_000 },
  ),
  maxAttempts: int('CAIRN_SENDER_MAX_ATTEMPTS', 'SMTP attempts per message before a soft bounce is final', {
    default: 4,
  }),
  retryBaseMs: int('CAIRN_SENDER_RETRY_BASE_MS', 'first soft-bounce backoff; each retry waits 4x longer', {
    default: 60_000,
  }),
  poisonAttempts,
  groupId: str('CAIRN_SENDER_GROUP_ID', 'Kafka consumer group prefix (forward requests, bounce and complaint events)', {
    default: 'cairn-sender',
  }),
  dkimDomain: str('CAIRN_SENDER_DKIM_DOMAIN', 'DKIM signing domain (empty: no DKIM)', { default: '' }),
  dkimSelector: str('CAIRN_SENDER_DKIM_SELECTOR', 'DKIM selector', { default: 'cairn' }),
  dkimPrivateKey: str('CAIRN_SENDER_DKIM_PRIVATE_KEY', 'DKIM private key (PEM)', { default: '', secret: true }),
  healthHost: str('CAIRN_SENDER_HEALTH_HOST', 'address of the /healthz listener', { default: '127.0.0.1' }),
  healthPort: int('CAIRN_SENDER_HEALTH_PORT', 'port of the /healthz listener (0: none)', { default: 8083 }),
  metricsHost: str('CAIRN_SENDER_METRICS_HOST', 'address of the /metrics listener (loopback by default: not public)', {
    default: '127.0.0.1',
  }),
  metricsPort: int('CAIRN_SENDER_METRICS_PORT', 'port of the /metrics listener (0: any free port, -1: none)', {
    default: 9465,
  }),
  shutdownMs: int(
    'CAIRN_SENDER_SHUTDOWN_MS',
    'graceful stop: in-flight batches finish within this, else they return to the queue',
    { default: 10_000 },
  ),
};

export type SenderConfig = ConfigOf<typeof senderSchema>;

export function loadSenderConfig(env: NodeJS.ProcessEnv = process.env): SenderConfig {
  return loadConfig(senderSchema, env);
}
