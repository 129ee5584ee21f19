import { readFileSync } from 'node:fs';
import {
  bool,
  connectionSchema,
  type FieldSpec,
  int,
  poisonAttempts,
  list,
  loadConfig,
  str,
  url,
  type ConfigOf,
} from '../../lib/platform/config';
import { dkimKeyEncryptionKey } from '../../lib/platform/crypto/sealed-secret';
import type { SmtpTimeouts, SmtpTlsPolicy, SmtpTlsSettings } from './smtp-transport';
import { routesSchema } from './routes.config';
import { throttleSchema } from './throttle.config';

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
  smtpUrl: str('CAIRN_SENDER_SMTP_URL', 'SMTP relay, e.g. smtp://user:pass@relay:587 (STARTTLS) or smtps://…:465', {
    default: 'smtp://127.0.0.1:2525',
    secret: true,
  }),
  ...routesSchema,
  smtpClient: str(
    'CAIRN_SENDER_SMTP_CLIENT',
    "'lean' (pipelined) or 'nodemailer' (its pool); both speak STARTTLS, implicit TLS and AUTH",
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
  domainRatePerSecond: int(
    'CAIRN_SENDER_DOMAIN_RATE',
    'messages per second per throttle key, a provider group or a destination domain (0: unlimited)',
    { default: 0 },
  ),
  ...throttleSchema,
  smtpTls: {
    env: 'CAIRN_SENDER_SMTP_TLS',
    doc: "'required' (never in clear text), 'opportunistic' (STARTTLS when offered) or 'off'; empty: required unless the relay is loopback",
    parse: parseTlsPolicy,
    default: null,
  } satisfies FieldSpec<SmtpTlsPolicy | null>,
  smtpTlsVerify: bool('CAIRN_SENDER_SMTP_TLS_VERIFY', "verify the relay's certificate (false: logged as a warning)", {
    default: true,
  }),
  smtpTlsCaFile: str('CAIRN_SENDER_SMTP_TLS_CA_FILE', "PEM file of CAs to trust besides the system's", { default: '' }),
  smtpTimeoutMs: int('CAIRN_SENDER_SMTP_TIMEOUT_MS', 'TCP connect timeout', { default: 30_000 }),
  smtpGreetingTimeoutMs: int('CAIRN_SENDER_SMTP_GREETING_TIMEOUT_MS', 'RFC 5321 4.5.3.2: the 220 greeting', {
    default: 300_000,
  }),
  smtpMailTimeoutMs: int(
    'CAIRN_SENDER_SMTP_MAIL_TIMEOUT_MS',
    'RFC 5321 4.5.3.2: MAIL FROM (and EHLO, STARTTLS, AUTH)',
    {
      default: 300_000,
    },
  ),
  smtpRcptTimeoutMs: int('CAIRN_SENDER_SMTP_RCPT_TIMEOUT_MS', 'RFC 5321 4.5.3.2: RCPT TO', { default: 300_000 }),
  smtpDataTimeoutMs: int('CAIRN_SENDER_SMTP_DATA_TIMEOUT_MS', 'RFC 5321 4.5.3.2: the 354 to DATA', {
    default: 120_000,
  }),
  smtpDataBlockTimeoutMs: int(
    'CAIRN_SENDER_SMTP_DATA_BLOCK_TIMEOUT_MS',
    'RFC 5321 4.5.3.2: each write of the message',
    {
      default: 180_000,
    },
  ),
  smtpFinalTimeoutMs: int(
    'CAIRN_SENDER_SMTP_FINAL_TIMEOUT_MS',
    'RFC 5321 4.5.3.2: the reply after the final "." (past it: outcome_unknown)',
    { default: 600_000 },
  ),
  pausedRecheckMs: int(
    'CAIRN_SENDER_PAUSED_RECHECK_MS',
    'a send batch of a journey, or a message From a sending domain, paused by the circuit breaker waits this long before it is looked at again',
    { default: 30_000 },
  ),
  jobConcurrency: int('CAIRN_SENDER_JOB_CONCURRENCY', 'send batches processed at once per process', { default: 4 }),
  stalledMs: int('CAIRN_SENDER_STALLED_MS', "BullMQ lock: a dead worker's batch is handed out again after this", {
    default: 30_000,
  }),
  leaseMs: int(
    'CAIRN_SENDER_ATTEMPT_LEASE_MS',
    'an attempt without a recorded reply after this is outcome_unknown (longer than the final-reply timeout)',
    { default: 900_000 },
  ),
  sweepMs: int(
    'CAIRN_SENDER_SWEEP_MS',
    'how often stale attempts, unacknowledged outcomes and overdue retries are swept',
    { default: 10_000 },
  ),
  confirmPollMs: int(
    'CAIRN_SENDER_CONFIRM_POLL_MS',
    'how often pending double opt-in confirmations are looked for, to send their email (0: never)',
    { default: 5_000 },
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
  dkimKeyEncryptionKey,
  domainKeysTtlMs: int(
    'CAIRN_SENDER_DOMAIN_KEYS_TTL_MS',
    "how long a sending domain's DKIM key (or its absence), a message's route and its domain's warm-up and pause are cached per workspace and From address",
    { default: 60_000 },
  ),
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

function parseTlsPolicy(raw: string): SmtpTlsPolicy | null {
  const value = raw.trim().toLowerCase();
  if (value === '') return null;
  if (value === 'required' || value === 'opportunistic' || value === 'off') return value;
  throw new Error("must be 'required', 'opportunistic' or 'off'");
}

/** The SMTP transports' TLS and timeouts from the settings; the CA file is read here, once, at start. */
export function smtpTransportSettings(
  config: SenderConfig,
  warn: (message: string) => void,
): { tls: SmtpTlsSettings; timeouts: SmtpTimeouts } {
  // NOTE: an attempt is swept as outcome_unknown only after its lease; a lease shorter than the wait for the final
  // reply would call a message unknown while the relay is still answering it (docs/sender.md#smtp-transports).
  if (config.leaseMs <= config.smtpFinalTimeoutMs)
    throw new Error(
      `CAIRN_SENDER_ATTEMPT_LEASE_MS (${config.leaseMs}) must be longer than CAIRN_SENDER_SMTP_FINAL_TIMEOUT_MS (${config.smtpFinalTimeoutMs})`,
    );
  if (!config.smtpTlsVerify) warn('CAIRN_SENDER_SMTP_TLS_VERIFY=false: the SMTP relay certificate is not verified');
  if (config.smtpTls === 'off') warn('CAIRN_SENDER_SMTP_TLS=off: messages go to the relay in clear text');
  return {
    tls: {
      policy: config.smtpTls,
      verify: config.smtpTlsVerify,
      ca: config.smtpTlsCaFile ? readFileSync(config.smtpTlsCaFile, 'utf8') : null,
    },
    timeouts: {
      connectMs: config.smtpTimeoutMs,
      greetingMs: config.smtpGreetingTimeoutMs,
      mailMs: config.smtpMailTimeoutMs,
      rcptMs: config.smtpRcptTimeoutMs,
      dataInitMs: config.smtpDataTimeoutMs,
      dataBlockMs: config.smtpDataBlockTimeoutMs,
      finalMs: config.smtpFinalTimeoutMs,
    },
  };
}

export function loadSenderConfig(env: NodeJS.ProcessEnv = process.env): SenderConfig {
  return loadConfig(senderSchema, env);
}
