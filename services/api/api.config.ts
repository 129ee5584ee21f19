import { bool, connectionSchema, type FieldSpec, int, list, str, url } from '../../lib/platform/config';
import { dkimKeyEncryptionKey } from '../../lib/platform/crypto/sealed-secret';
import { egressSchema } from '../../lib/platform/egress/egress-policy';

export const apiConfigSchema = {
  ...connectionSchema,
  host: str('CAIRN_API_HOST', 'address the API listens on', { default: '127.0.0.1' }),
  port: int('CAIRN_API_PORT', 'port the API listens on', { default: 8080 }),
  adminToken: str('CAIRN_ADMIN_TOKEN', 'operator token for POST /v1/admin/workspaces (empty disables bootstrap)', {
    default: '',
    secret: true,
  }),
  routeNames: {
    env: 'CAIRN_API_ROUTE_NAMES',
    doc: 'route names (no URLs) workspaces and sending domains may be given besides "default", comma-separated: the names of the sender\'s CAIRN_SENDER_ROUTES',
    parse: (raw: string) => {
      const names = list('', '').parse(raw);
      const bad = names.find((name) => !/^[a-z0-9-]{1,40}$/.test(name));
      if (bad !== undefined) throw new Error(`holds ${JSON.stringify(bad.slice(0, 40))}: names are [a-z0-9-]{1,40}`);
      return names;
    },
    default: [],
  } satisfies FieldSpec<string[]>,
  trustProxy: bool(
    'CAIRN_API_TRUST_PROXY',
    'take the client address from X-Forwarded-For (behind a proxy): credential failures are counted per client address',
    { default: false },
  ),
  authFailuresPerAddress: int(
    'CAIRN_API_AUTH_FAILURES',
    'wrong API keys or operator tokens per client address per window before it gets 429',
    { default: 20 },
  ),
  authFailureWindowSeconds: int(
    'CAIRN_API_AUTH_FAILURE_WINDOW_SECONDS',
    'the window of CAIRN_API_AUTH_FAILURES, counted in Redis from the first failure',
    { default: 600 },
  ),
  headersTimeoutMs: int(
    'CAIRN_API_HEADERS_TIMEOUT_MS',
    'time a client has to send the request headers (408 and close after)',
    { default: 20_000 },
  ),
  requestTimeoutMs: int(
    'CAIRN_API_REQUEST_TIMEOUT_MS',
    'time a client has to send a whole request, body included (408 and close after)',
    { default: 300_000 },
  ),
  connectionTimeoutMs: int(
    'CAIRN_API_CONNECTION_TIMEOUT_MS',
    'a socket with no traffic either way for this long is closed',
    { default: 300_000 },
  ),
  keepAliveTimeoutMs: int(
    'CAIRN_API_KEEP_ALIVE_TIMEOUT_MS',
    "an idle keep-alive connection is closed after this long (keep it above a load balancer's idle timeout)",
    { default: 72_000 },
  ),
  rateLimitPerMinute: int('CAIRN_API_RATE_LIMIT', 'requests per minute per API key (Redis-backed)', { default: 1200 }),
  bodyLimitBytes: int('CAIRN_API_BODY_LIMIT', 'largest JSON request body in bytes', { default: 1_048_576 }),
  importMaxBytes: int('CAIRN_API_IMPORT_MAX_BYTES', 'largest contact import body in bytes', {
    default: 512 * 1_048_576,
  }),
  importMaxLineBytes: int(
    'CAIRN_API_IMPORT_MAX_LINE_BYTES',
    'longest contact import line (NDJSON) or record (CSV) in bytes; 400 naming the line above',
    { default: 1_048_576 },
  ),
  importMaxErrors: int('CAIRN_API_IMPORT_MAX_ERRORS', 'per-row import errors listed in the response', { default: 100 }),
  engagementPublicUrl: url(
    'CAIRN_ENGAGEMENT_PUBLIC_URL',
    'public base URL of services/engagement, where followed attachments are downloaded',
    { default: 'http://127.0.0.1:8084' },
  ),
  ingestPublicUrl: url(
    'CAIRN_INGEST_PUBLIC_URL',
    "public base URL of services/ingest: forms' submit and embed URLs and pages' public URLs (docs/api.md#forms-and-pages)",
    { default: 'http://127.0.0.1:8081' },
  ),
  attachmentMaxBytes: int(
    'CAIRN_API_ATTACHMENT_MAX_BYTES',
    'largest one-to-one message attachment upload in bytes (413 above)',
    { default: 10 * 1_048_576 },
  ),
  templateMinSends: int(
    'CAIRN_API_TEMPLATE_MIN_SENDS',
    'messages a one-to-one template must have sent before it can be recommended',
    { default: 20 },
  ),
  templateLeadWindowDays: int(
    'CAIRN_API_TEMPLATE_LEAD_WINDOW_DAYS',
    'days after a templated message in which a lead for its contact counts for the template',
    { default: 30 },
  ),
  // Erasure is the API's one write to ClickHouse (ALTER ... DELETE, KPI rebuilds): its own user, so the user every
  // insights query runs as can stay read-only (docs/clickhouse.md, "Users and privileges").
  clickhouseErasureUser: str(
    'CAIRN_API_ERASURE_CLICKHOUSE_USER',
    'ClickHouse user of contact erasure (empty: CAIRN_CLICKHOUSE_USER)',
    { default: '' },
  ),
  clickhouseErasurePassword: str('CAIRN_API_ERASURE_CLICKHOUSE_PASSWORD', 'its password', {
    default: '',
    secret: true,
  }),
  erasureResweepSeconds: int(
    'CAIRN_API_ERASURE_RESWEEP_SECONDS',
    "seconds after a contact erasure when PostgreSQL and ClickHouse are swept again for what was in flight (longer than ingest's following refresh; 0 = no second pass)",
    { default: 120 },
  ),
  // the save-time check of webhook URLs (journey check and go-live, alert webhook settings) applies the same policy
  ...egressSchema,
  renderThreads: int(
    'CAIRN_API_RENDER_THREADS',
    'worker threads that check and render drafts (preview, test send, check, go-live)',
    { default: 1 },
  ),
  renderTimeoutMs: int(
    'CAIRN_API_RENDER_TIMEOUT_MS',
    'a draft check or render still running after this is stopped and answered 422',
    { default: 5000 },
  ),
  renderMaxChars: int(
    'CAIRN_API_RENDER_MAX_CHARS',
    'most characters one template of a draft (HTML, subject, from name) may render for a contact (422 above)',
    { default: 4 * 1_048_576 },
  ),
  renderMemoryMb: int(
    'CAIRN_API_RENDER_MEMORY_MB',
    'heap of each draft-render thread; a render needing more is stopped and answered 422',
    { default: 512 },
  ),
  dkimKeyEncryptionKey,
  sendingDomains: {
    env: 'CAIRN_API_SENDING_DOMAINS',
    doc: "'strict': go-live refuses a From address whose domain is not a verified sending domain of the workspace; 'relaxed': any From domain (single-tenant installs, tests)",
    parse: parseSendingDomainsPolicy,
    default: 'strict',
  } satisfies FieldSpec<'strict' | 'relaxed'>,
  spfInclude: str(
    'CAIRN_SPF_INCLUDE',
    'the SPF include of the relay Cairn sends through, shown as SPF advice for a sending domain (empty: "add your relay\'s include")',
    { default: '' },
  ),
  dnsServers: list(
    'CAIRN_DNS_SERVERS',
    "DNS servers that verify sending domains' records, comma-separated ip or ip:port (empty: the system's)",
    { default: [] },
  ),
  segmentRefreshSeconds: int(
    'CAIRN_SEGMENT_REFRESH_SECONDS',
    'seconds between bulk refreshes of every dynamic segment (0 = off)',
    { default: 300 },
  ),
};

function parseSendingDomainsPolicy(raw: string): 'strict' | 'relaxed' {
  const value = raw.trim().toLowerCase();
  if (value === 'strict' || value === 'relaxed') return value;
  throw new Error("must be 'strict' or 'relaxed'");
}

export type ApiConfig = {
  readonly [K in keyof typeof apiConfigSchema]: (typeof apiConfigSchema)[K] extends { parse: (raw: string) => infer T }
    ? T
    : never;
};
