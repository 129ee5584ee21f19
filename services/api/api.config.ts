import { connectionSchema, int, str, url } from '../../lib/config';

export const apiConfigSchema = {
  ...connectionSchema,
  host: str('CAIRN_API_HOST', 'address the API listens on', { default: '127.0.0.1' }),
  port: int('CAIRN_API_PORT', 'port the API listens on', { default: 8080 }),
  adminToken: str('CAIRN_ADMIN_TOKEN', 'operator token for POST /v1/admin/workspaces (empty disables bootstrap)', {
    default: '',
    secret: true,
  }),
  rateLimitPerMinute: int('CAIRN_API_RATE_LIMIT', 'requests per minute per API key (Redis-backed)', { default: 1200 }),
  bodyLimitBytes: int('CAIRN_API_BODY_LIMIT', 'largest JSON request body in bytes', { default: 1_048_576 }),
  importMaxBytes: int('CAIRN_API_IMPORT_MAX_BYTES', 'largest contact import body in bytes', { default: 512 * 1_048_576 }),
  importMaxErrors: int('CAIRN_API_IMPORT_MAX_ERRORS', 'per-row import errors listed in the response', { default: 100 }),
  engagementPublicUrl: url('CAIRN_ENGAGEMENT_PUBLIC_URL', 'public base URL of services/engagement, where followed attachments are downloaded', { default: 'http://127.0.0.1:8084' }),
  attachmentMaxBytes: int('CAIRN_API_ATTACHMENT_MAX_BYTES', 'largest one-to-one message attachment upload in bytes (413 above)', { default: 10 * 1_048_576 }),
  templateMinSends: int('CAIRN_API_TEMPLATE_MIN_SENDS', 'messages a one-to-one template must have sent before it can be recommended', { default: 20 }),
  renderThreads: int('CAIRN_API_RENDER_THREADS', 'worker threads that check and render drafts (preview, test send, check, go-live)', { default: 1 }),
  renderTimeoutMs: int('CAIRN_API_RENDER_TIMEOUT_MS', 'a draft check or render still running after this is stopped and answered 422', { default: 5000 }),
  renderMaxChars: int('CAIRN_API_RENDER_MAX_CHARS', 'most characters one template of a draft (HTML, subject, from name) may render for a contact (422 above)', { default: 4 * 1_048_576 }),
  renderMemoryMb: int('CAIRN_API_RENDER_MEMORY_MB', 'heap of each draft-render thread; a render needing more is stopped and answered 422', { default: 512 }),
  segmentRefreshSeconds: int('CAIRN_SEGMENT_REFRESH_SECONDS', 'seconds between bulk refreshes of every dynamic segment (0 = off)', { default: 300 }),
};

export type ApiConfig = {
  readonly [K in keyof typeof apiConfigSchema]: (typeof apiConfigSchema)[K] extends { parse: (raw: string) => infer T } ? T : never;
};
