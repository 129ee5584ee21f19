import {
  bool,
  connectionSchema,
  int,
  poisonAttempts,
  list,
  loadConfig,
  str,
  type ConfigOf,
} from '../../lib/platform/config';
import { egressSchema } from '../../lib/platform/egress/egress-policy';

/** services/engagement's settings (docs/engagement.md#configuration); parsed once in main.ts and passed in. */
export const engagementSchema = {
  kafkaBrokers: connectionSchema.kafkaBrokers,
  topicPrefix: connectionSchema.topicPrefix,
  postgresUrl: connectionSchema.postgresUrl,
  redisUrl: connectionSchema.redisUrl,
  queuePrefix: connectionSchema.queuePrefix,
  logLevel: connectionSchema.logLevel,
  host: str('CAIRN_ENGAGEMENT_HOST', 'address of the HTTP listener (reply webhook, attachment downloads, /healthz)', {
    default: '127.0.0.1',
  }),
  port: int('CAIRN_ENGAGEMENT_PORT', 'port of the HTTP listener (0: any free port)', { default: 8084 }),
  smtpHost: str('CAIRN_ENGAGEMENT_SMTP_HOST', 'address of the inbound SMTP listener for replies', {
    default: '127.0.0.1',
  }),
  smtpPort: int('CAIRN_ENGAGEMENT_SMTP_PORT', 'port of the inbound SMTP listener (0: any free port, -1: none)', {
    default: 2526,
  }),
  inboundDomains: list(
    'CAIRN_ENGAGEMENT_INBOUND_DOMAINS',
    'recipient domains the SMTP listener accepts (RCPT TO); every other is refused 550 5.7.1, so it never relays; empty: it accepts no mail at all',
    { default: [] },
  ),
  inboundMaxBytes: int(
    'CAIRN_ENGAGEMENT_INBOUND_MAX_BYTES',
    'largest inbound message (SMTP SIZE; the connection is answered 552 and closed as soon as a message passes it; webhook 413)',
    { default: 10 * 1_048_576 },
  ),
  smtpMaxClients: int(
    'CAIRN_ENGAGEMENT_SMTP_MAX_CLIENTS',
    'inbound SMTP connections at once; one more is answered 421 and closed',
    { default: 50 },
  ),
  smtpSocketTimeoutMs: int(
    'CAIRN_ENGAGEMENT_SMTP_SOCKET_TIMEOUT_MS',
    'an inbound SMTP client silent this long while it owes a command or message data is answered 421 and closed',
    { default: 60_000 },
  ),
  unsubscribeMailbox: str(
    'CAIRN_ENGAGEMENT_UNSUBSCRIBE_MAILBOX',
    "the List-Unsubscribe mailto address (the sender's CAIRN_SENDER_UNSUBSCRIBE_MAILBOX; empty: unsubscribe@ each inbound domain)",
    { default: '' },
  ),
  trackingKeys: list(
    'CAIRN_TRACKING_KEYS',
    'tracking token keys "<id>:<base64 secret ≥16 bytes>", the same as ingest\'s: they verify the token of a mailto unsubscribe',
    { secret: true },
  ),
  trackingActiveKey: int(
    'CAIRN_TRACKING_ACTIVE_KEY',
    "key id among CAIRN_TRACKING_KEYS that mints (the same as ingest's; this service only verifies)",
    { default: 1 },
  ),
  dnsTimeoutMs: int(
    'CAIRN_ENGAGEMENT_DNS_TIMEOUT_MS',
    'one DNS query of reply verification (SPF, DKIM, DMARC); two tries, the whole check five times this, then the reply is unverified',
    { default: 3_000 },
  ),
  httpRequestTimeoutMs: int(
    'CAIRN_ENGAGEMENT_HTTP_REQUEST_TIMEOUT_MS',
    'a request to the HTTP listener (headers and body) that takes longer is answered 408',
    { default: 30_000 },
  ),
  httpIdleTimeoutMs: int(
    'CAIRN_ENGAGEMENT_HTTP_IDLE_TIMEOUT_MS',
    'an HTTP connection with nothing sent for this long is closed',
    { default: 10_000 },
  ),
  inboundSecret: str(
    'CAIRN_ENGAGEMENT_INBOUND_SECRET',
    'HMAC-SHA256 key of the reply webhook signature (x-cairn-signature)',
    { secret: true },
  ),
  signatureToleranceSeconds: int(
    'CAIRN_ENGAGEMENT_SIGNATURE_TOLERANCE_S',
    'a signed webhook older or newer than this is refused (replays)',
    { default: 300 },
  ),
  poisonAttempts,
  groupId: str('CAIRN_ENGAGEMENT_GROUP_ID', 'Kafka consumer group reading opens for first-open alerts', {
    default: 'cairn-engagement',
  }),
  fromBeginning: bool(
    'CAIRN_ENGAGEMENT_FROM_BEGINNING',
    'a new consumer group reads from the earliest offset (else from the newest)',
    { default: false },
  ),
  tickMs: int(
    'CAIRN_ENGAGEMENT_TICK_MS',
    'how often due scheduled sends, due reminders and unfinished work are looked for',
    { default: 1_000 },
  ),
  reminderGraceMs: int(
    'CAIRN_ENGAGEMENT_REMINDER_GRACE_MS',
    'a reminder is decided this long after it is due, so opens still in flight count',
    { default: 30_000 },
  ),
  webhookAttempts: int('CAIRN_ENGAGEMENT_WEBHOOK_ATTEMPTS', 'alert webhook attempts before it is marked failed', {
    default: 6,
  }),
  webhookBackoffMs: int(
    'CAIRN_ENGAGEMENT_WEBHOOK_BACKOFF_MS',
    'first retry delay of an alert webhook (doubles each attempt)',
    { default: 1_000 },
  ),
  webhookTimeoutMs: int('CAIRN_ENGAGEMENT_WEBHOOK_TIMEOUT_MS', 'an alert webhook POST that takes longer failed', {
    default: 5_000,
  }),
  ...egressSchema,
  metricsHost: str('CAIRN_ENGAGEMENT_METRICS_HOST', 'address of the /metrics listener (loopback: keep it private)', {
    default: '127.0.0.1',
  }),
  metricsPort: int('CAIRN_ENGAGEMENT_METRICS_PORT', 'port of the /metrics listener (0: any free port, -1: none)', {
    default: 9466,
  }),
};

export type EngagementConfig = ConfigOf<typeof engagementSchema>;

export function loadEngagementConfig(env: NodeJS.ProcessEnv = process.env): EngagementConfig {
  return loadConfig(engagementSchema, env);
}
