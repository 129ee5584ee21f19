import { Readable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { sameSecret } from '../../lib/platform/crypto/constant-time';
import type { Logger } from '../../lib/platform/logger';
import { freshSignature, verifyWebhookSignature } from '../../lib/contracts/webhooks/signed-webhook';
import type { EngagementConfig } from './engagement.config';
import { scanMessage } from './inbound-message';
import type { MessageAuthentication } from './reply-authentication';
import type { ReplyOutcome, ReplyRecorder } from './reply-recorder';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The API's error shape (RFC 9457 problem details), naming the field where there is one. */
function problem(reply: FastifyReply, status: number, detail: string, field?: string): FastifyReply {
  const type =
    {
      400: 'validation',
      401: 'unauthorized',
      404: 'not-found',
      408: 'request-timeout',
      413: 'payload-too-large',
      503: 'unavailable',
    }[status] ?? 'internal';
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `https://cairn.dev/problems/${type}`,
      title: detail,
      status,
      detail,
      errors: field ? [{ field, message: detail }] : [],
    });
}

export interface EngagementHttpDeps {
  config: EngagementConfig;
  pool: Pool;
  recorder: ReplyRecorder;
  /** DKIM and DMARC of a posted reply (its relay saw the SMTP peer, so SPF has no IP to check here) */
  authenticate: (message: Readable) => Promise<MessageAuthentication>;
  log: Logger;
}

/**
 * services/engagement's HTTP side: the raw-message reply webhook (signed), followed attachment downloads (the
 * destination of ingest's /a/ links) and /healthz. Built without listening, for tests.
 */
export function buildEngagementHttp(deps: EngagementHttpDeps): FastifyInstance {
  const app = createServer(deps);
  app.get('/healthz', async () => ({ ok: true }));
  replyWebhookRoute(app, deps);
  downloadRoute(app, deps.pool);
  return app;
}

/** The server with its deadlines, raw bodies and problem-details errors. */
function createServer({ config, log }: EngagementHttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.inboundMaxBytes,
    disableRequestLogging: true,
    // a client that sends its request slowly gets 408, an idle connection is closed: none holds a socket for long
    requestTimeout: config.httpRequestTimeoutMs,
    connectionTimeout: config.httpIdleTimeoutMs,
    keepAliveTimeout: Math.min(config.httpIdleTimeoutMs, 5_000),
    // node:http looks for requests over their time every connectionsCheckingInterval (30 s by default)
    http: {
      headersTimeout: config.httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.httpRequestTimeoutMs),
    },
  });
  // Every body is raw bytes (a message/rfc822 reply); the signature is checked over exactly those bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) =>
    error.statusCode === 413
      ? problem(reply, 413, `the message is larger than ${config.inboundMaxBytes} bytes`, 'body')
      : problem(
          reply,
          error.statusCode && error.statusCode < 500 ? error.statusCode : 500,
          error.statusCode && error.statusCode < 500 ? error.message : 'internal error',
        ),
  );
  return app;
}

const signed = (header: string | string[] | undefined): string | undefined =>
  typeof header === 'string' ? header : undefined;
const signatureWindow = (config: EngagementConfig) => ({
  nowSeconds: Math.floor(Date.now() / 1000),
  toleranceSeconds: config.signatureToleranceSeconds,
});
const unsigned = (reply: FastifyReply) =>
  problem(
    reply.header('connection', 'close'),
    401,
    'missing, stale or forged x-cairn-signature',
    'headers.x-cairn-signature',
  );

/** POST /v1/inbound/replies: a signed raw message, scanned and recorded as a reply. */
function replyWebhookRoute(app: FastifyInstance, deps: EngagementHttpDeps): void {
  const { config } = deps;
  // NOTE: a missing, malformed or stale signature header is refused before a byte of the body is read
  // (onRequest runs before the body parser), and the connection closed; the HMAC over the body is checked once
  // the body (at most CAIRN_ENGAGEMENT_INBOUND_MAX_BYTES) is in, before anything is parsed or stored.
  const checkHeader = async (
    request: { headers: Record<string, string | string[] | undefined> },
    reply: FastifyReply,
  ) => {
    if (!freshSignature(signed(request.headers['x-cairn-signature']), signatureWindow(config))) return unsigned(reply);
  };

  app.post('/v1/inbound/replies', { onRequest: checkHeader }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = signed(request.headers['x-cairn-signature']);
    if (!verifyWebhookSignature(config.inboundSecret, signature, body, signatureWindow(config))) return unsigned(reply);
    if (body.length === 0) return problem(reply, 400, 'the body must be the raw RFC 5322 message', 'body');
    const scan = await scanMessage(Readable.from([body]), {
      maxBytes: config.inboundMaxBytes,
      authenticate: deps.authenticate,
    });
    if (scan.kind === 'too_large')
      return problem(reply, 413, `the message is larger than ${config.inboundMaxBytes} bytes`, 'body');
    let outcome;
    try {
      outcome = await deps.recorder.record(scan.message, 'webhook');
    } catch (error) {
      deps.log.warn({ err: (error as Error).message }, 'inbound_reply_store_failed');
      return problem(reply, 503, 'the reply could not be recorded; retry');
    }
    return answerReply(reply, outcome);
  });
}

/** What the webhook answers for each outcome of recording the reply. */
function answerReply(reply: FastifyReply, outcome: ReplyOutcome): FastifyReply {
  if (outcome.kind === 'malformed')
    return problem(
      reply,
      400,
      outcome.reason === 'malformed_no_headers' ? 'the message has no headers' : 'the message cannot be parsed',
      'body',
    );
  if (outcome.kind === 'unmatched') return reply.code(200).send({ matched: false, reason: outcome.reason });
  return reply.code(200).send({
    matched: true,
    event_id: outcome.eventId,
    message_id: outcome.messageId,
    duplicate: outcome.duplicate,
    auth_verdict: outcome.verdict,
  });
}

/** GET /files/:id/:token: a followed attachment, to whoever holds its download token. */
function downloadRoute(app: FastifyInstance, pool: Pool): void {
  app.get<{ Params: { id: string; token: string } }>('/files/:id/:token', async (request, reply) => {
    const { id, token } = request.params;
    if (!UUID.test(id) || token.length > 100) return problem(reply, 404, 'not found');
    const { rows } = await pool.query<{
      filename: string;
      content_type: string;
      content: Buffer;
      download_token: string;
    }>('SELECT filename, content_type, content, download_token FROM engagement_attachments WHERE id = $1', [id]);
    const file = rows[0];
    if (!file || !sameSecret(token, file.download_token)) return problem(reply, 404, 'not found');
    return reply
      .header(
        'content-type',
        /^[\w.+-]+\/[\w.+-]+$/.test(file.content_type) ? file.content_type : 'application/octet-stream',
      )
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
      .header('x-content-type-options', 'nosniff')
      .send(file.content);
  });
}
