import { bool, type ConfigOf, connectionSchema, int, list, str, url } from '../../lib/platform/config';

/** Ingest settings. docs/ingest.md#configuration lists them by hand: change both together. */
export const ingestSchema = {
  ...connectionSchema,
  host: str('CAIRN_INGEST_HOST', 'address the ingest HTTP server binds', { default: '127.0.0.1' }),
  port: int('CAIRN_INGEST_PORT', 'ingest HTTP port', { default: 8081 }),
  publicUrl: url(
    'CAIRN_INGEST_PUBLIC_URL',
    "ingest's public origin: landing-page links, the Origin a Cairn page's forms post from (docs/pages-and-forms.md)",
    { default: 'http://127.0.0.1:8081' },
  ),
  metricsHost: str(
    'CAIRN_INGEST_METRICS_HOST',
    'address the Prometheus /metrics listener binds (apart from the public port)',
    {
      default: '127.0.0.1',
    },
  ),
  metricsPort: int('CAIRN_INGEST_METRICS_PORT', 'port of the /metrics listener (0: any free port)', { default: 9081 }),
  trustProxy: bool(
    'CAIRN_INGEST_TRUST_PROXY',
    'take the client address from X-Forwarded-For (behind a proxy): machine-traffic rules, rate limits, country',
    {
      default: false,
    },
  ),
  trackingKeys: list('CAIRN_TRACKING_KEYS', 'tracking token keys "<id>:<base64 secret ≥16 bytes>", comma-separated', {
    secret: true,
  }),
  trackingActiveKey: int('CAIRN_TRACKING_ACTIVE_KEY', 'key id that mints new tokens (others only verify)', {
    default: 1,
  }),
  spoolDir: str('CAIRN_INGEST_SPOOL_DIR', 'directory of the durable spool used while Kafka is unavailable', {
    default: '.spool/ingest',
  }),
  spoolMaxBytes: int('CAIRN_INGEST_SPOOL_MAX_BYTES', 'spool size bound; beyond it POSTs answer 503', {
    default: 1024 * 1024 * 1024,
  }),
  lingerMs: int('CAIRN_INGEST_LINGER_MS', 'Kafka batching linger (ms)', { default: 10 }),
  maxBatch: int('CAIRN_INGEST_MAX_BATCH', 'Kafka batch size (messages)', { default: 500 }),
  kafkaThread: str(
    'CAIRN_INGEST_KAFKA_THREAD',
    '"worker": the Kafka producer runs in a worker thread; "main": in the HTTP thread',
    {
      default: 'worker',
    },
  ),
  maxInFlight: int('CAIRN_INGEST_MAX_IN_FLIGHT', 'unacknowledged Kafka sends above which events go to the spool', {
    default: 50_000,
  }),
  bodyLimit: int('CAIRN_INGEST_BODY_LIMIT', 'largest accepted request body in bytes (413 above)', {
    default: 5 * 1024 * 1024,
  }),
  eventTimeMaxAgeDays: int(
    'CAIRN_INGEST_EVENT_TIME_MAX_AGE_DAYS',
    'batch events whose event_time is further in the past than this are refused (400 by index)',
    {
      default: 365,
    },
  ),
  eventTimeMaxSkewSeconds: int(
    'CAIRN_INGEST_EVENT_TIME_MAX_SKEW_S',
    'batch events whose event_time is further in the future than this are refused (400 by index)',
    {
      default: 3_600,
    },
  ),
  formBodyLimit: int(
    'CAIRN_INGEST_FORM_BODY_LIMIT',
    'largest body of the unsubscribe, subscription-center and forward forms in bytes (413 above)',
    {
      default: 16 * 1024,
    },
  ),
  maxLineBytes: int(
    'CAIRN_INGEST_MAX_LINE_BYTES',
    'longest NDJSON line of a batch POST in bytes (longer lines are refused by index, unparsed)',
    {
      default: 64 * 1024,
    },
  ),
  headersTimeoutMs: int(
    'CAIRN_INGEST_HEADERS_TIMEOUT_MS',
    "time a client has to send a request's headers before the connection is closed (slow clients, slowloris)",
    {
      default: 10_000,
    },
  ),
  requestTimeoutMs: int(
    'CAIRN_INGEST_REQUEST_TIMEOUT_MS',
    'time a client has to send a whole request, body included, before it gets 408 and the connection is closed',
    {
      default: 30_000,
    },
  ),
  idleTimeoutMs: int('CAIRN_INGEST_IDLE_TIMEOUT_MS', 'a connection on which nothing moves for this long is closed', {
    default: 120_000,
  }),
  keepAliveTimeoutMs: int(
    'CAIRN_INGEST_KEEP_ALIVE_TIMEOUT_MS',
    "how long an idle keep-alive connection is kept open for the next request (above a load balancer's idle timeout)",
    {
      default: 72_000,
    },
  ),
  machineWindowSeconds: int('CAIRN_INGEST_MACHINE_WINDOW_S', 'hits this soon after the send are machine traffic', {
    default: 5,
  }),
  scannerNetworks: list('CAIRN_INGEST_SCANNER_NETWORKS', 'IPv4 CIDRs of security scanners (machine traffic)', {
    default: [],
  }),
  linkCacheSize: int('CAIRN_INGEST_LINK_CACHE_SIZE', 'email_links entries cached in process', { default: 50_000 }),
  linkCacheTtlMs: int('CAIRN_INGEST_LINK_CACHE_TTL_MS', 'lifetime of a cached email_links entry', { default: 300_000 }),
  redirectCacheTtlMs: int(
    'CAIRN_INGEST_REDIRECT_CACHE_TTL_MS',
    'lifetime of a cached redirect URL (a disabled one stops redirecting within it); as many entries as the link cache',
    { default: 30_000 },
  ),
  followingRefreshMs: int(
    'CAIRN_INGEST_FOLLOWING_REFRESH_MS',
    'how often Do Not Allow and erased contacts and workspaces with following off are reloaded (their hits are not recorded)',
    {
      default: 10_000,
    },
  ),
  forwardPerMessage: int('CAIRN_INGEST_FORWARD_PER_MESSAGE', 'forward-to-a-friend submissions per message per hour', {
    default: 5,
  }),
  forwardPerIp: int('CAIRN_INGEST_FORWARD_PER_IP', 'forward-to-a-friend submissions per client address per hour', {
    default: 20,
  }),
  formPerIp: int('CAIRN_INGEST_FORM_PER_IP', 'submissions of one form per client address per hour (Redis)', {
    default: 20,
  }),
  webPerIp: int('CAIRN_INGEST_WEB_PER_IP', 'tracking-script hits of one website per client address per hour (Redis)', {
    default: 600,
  }),
  webBodyLimit: int(
    'CAIRN_INGEST_WEB_BODY_LIMIT',
    'largest tracking-script hit (POST /w/collect) in bytes (413 above)',
    {
      default: 4 * 1024,
    },
  ),
  formPerEmail: int('CAIRN_INGEST_FORM_PER_EMAIL', 'submissions of one form per email address per hour (Redis)', {
    default: 5,
  }),
  badTokensPerIp: int(
    'CAIRN_INGEST_BAD_TOKENS_PER_IP',
    'bad tracking tokens per client address per 10 min before it gets 429',
    {
      default: 100,
    },
  ),
  accessLog: bool(
    'CAIRN_INGEST_ACCESS_LOG',
    'access log lines (route pattern, status, ms; never tokens or addresses)',
    {
      default: true,
    },
  ),
  accessLogSample: int(
    'CAIRN_INGEST_ACCESS_LOG_SAMPLE',
    'log 1 in N successful pixel/redirect hits (errors and other routes: all)',
    {
      default: 100,
    },
  ),
};

export type IngestConfig = ConfigOf<typeof ingestSchema>;
