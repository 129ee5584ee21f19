import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseArf } from './bounces/arf-parser';
import { classifyBounce } from '../../lib/domain/bounces/bounce-classifier';
import { addressOf, parseDsn } from './bounces/dsn-parser';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { addressReportOfEvent } from '../../lib/contracts/suppression/address-report';
import { TRACKING_HEADER, type TrackingToken } from '../../lib/contracts/tracking/tracking-token';
import type { IngestDeps } from './ingest-deps';
import { authenticateFirst, refuse } from './authenticate-first';
import { deterministicEventId, emailContext } from './event-factory';
import { webhookWorkspace } from './webhook-auth';

/** One report item, whichever form (JSON, DSN, ARF) it came in. */
interface BounceItem {
  token: string | null;
  recipient: string | null;
  action: string;
  status: string | null;
  smtpCode: number | null;
  diagnostic: string | null;
}

interface ComplaintItem {
  token: string | null;
  recipient: string | null;
  feedbackType: string;
  reporter: string | null;
}

type Parsed<T> = { items: T[] } | { error: string };

const str = (v: unknown, max = 500): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);

function jsonItems(body: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { error: 'body is not valid JSON' };
  }
  const wrapped = (value as { events?: unknown })?.events;
  const list = Array.isArray(value) ? value : Array.isArray(wrapped) ? wrapped : [value];
  if (list.length === 0 || list.length > 1000) return { error: 'expected 1 to 1000 items' };
  if (!list.every((item) => item && typeof item === 'object' && !Array.isArray(item)))
    return { error: 'every item must be an object' };
  return { items: list as Record<string, unknown>[] };
}

/** The documented JSON shape: {token, recipient, ...} or an array of them or {events: [...]}. */
function jsonReport<T>(body: string, rest: (o: Record<string, unknown>) => Omit<T, 'token' | 'recipient'>): Parsed<T> {
  const parsed = jsonItems(body);
  if ('error' in parsed) return parsed;
  const items = parsed.items.map(
    (o) => ({ token: str(o.token, 1000), recipient: addressOf(str(o.recipient) ?? undefined), ...rest(o) }) as T,
  );
  return { items };
}

function bounceItems(body: string, isJson: boolean): Parsed<BounceItem> {
  if (!isJson) {
    const dsn = parseDsn(body, TRACKING_HEADER);
    if (!dsn.ok) return { error: dsn.error };
    return {
      items: dsn.value.recipients.map((r) => ({
        ...r,
        token: dsn.value.trackingToken,
        smtpCode: r.classification.smtpCode,
      })),
    };
  }
  return jsonReport(body, (o) => ({
    action: str(o.action, 20)?.toLowerCase() ?? 'failed',
    status: str(o.status, 20),
    smtpCode: Number.isInteger(o.smtp_code) ? (o.smtp_code as number) : null,
    diagnostic: str(o.diagnostic),
  }));
}

function complaintItems(body: string, isJson: boolean): Parsed<ComplaintItem> {
  if (!isJson) {
    const arf = parseArf(body, TRACKING_HEADER);
    if (!arf.ok) return { error: arf.error };
    return { items: [{ ...arf.value, token: arf.value.trackingToken, recipient: arf.value.originalRecipient }] };
  }
  return jsonReport(body, (o) => ({
    feedbackType: str(o.feedback_type, 40)?.trim().toLowerCase() || 'abuse',
    reporter: str(o.reporter, 200),
  }));
}

async function contactAddress(deps: IngestDeps, token: TrackingToken, reported: string | null): Promise<string | null> {
  if (reported) return reported;
  const { rows } = await deps.pool.query<{ email: string | null }>(
    'SELECT lower(email) AS email FROM contacts WHERE id = $1 AND workspace_id = $2',
    [token.contactId, token.workspaceId],
  );
  return rows[0]?.email ?? null;
}

/** The event, then what it says of the address (when known) to the suppression writer (services/sender). */
async function publishWithReport(deps: IngestDeps, event: CairnEvent, address: string | null): Promise<void> {
  await deps.sink.publishEvent(event);
  const report = address ? addressReportOfEvent(event, address) : null;
  if (report) await deps.sink.publishAddressReport(report);
}

/** A failed recipient becomes a bounce; a DSN saying delivered is reported as a delivery (it resets the soft count). */
async function handleBounce(deps: IngestDeps, token: TrackingToken, item: BounceItem): Promise<string> {
  const address = await contactAddress(deps, token, item.recipient);
  if (['delivered', 'relayed', 'expanded'].includes(item.action)) {
    const report_id = deterministicEventId('delivered', token.messageId, address ?? '');
    if (address)
      await deps.sink.publishAddressReport({
        report_id,
        reported_at: Date.now(),
        workspace_id: token.workspaceId,
        address,
        contact_id: token.contactId,
        outcome: 'delivered',
      });
    return 'delivered';
  }
  if (item.action !== 'failed') return `ignored: action ${item.action}`;
  const c = classifyBounce({ status: item.status, smtpCode: item.smtpCode, diagnostic: item.diagnostic });
  const eventId = deterministicEventId(
    'bounce',
    token.messageId,
    address ?? '',
    c.enhancedStatus ?? '',
    item.diagnostic ?? '',
  );
  const data = {
    ...emailContext(token, false, eventId),
    bounce_class: c.bounceClass,
    smtp_code: c.smtpCode,
    enhanced_status: c.enhancedStatus,
    diagnostic: item.diagnostic,
    policy_block: c.policyBlock,
  };
  await publishWithReport(deps, { type: 'bounce', data }, address);
  return c.policyBlock ? 'policy_block' : c.bounceClass;
}

/**
 * A feedback report of any ARF type is recorded and reported to the suppression writer; what it counts for and
 * whether it suppresses is decided per type in one place (lib/domain/bounces/feedback-types.ts, docs/kpis.md#feedback-loops).
 */
async function handleComplaint(deps: IngestDeps, token: TrackingToken, item: ComplaintItem): Promise<string> {
  const eventId = deterministicEventId('complaint', token.messageId, item.feedbackType);
  const address = await contactAddress(deps, token, item.recipient);
  const data = { ...emailContext(token, false, eventId), feedback_type: item.feedbackType, reporter: item.reporter };
  await publishWithReport(deps, { type: 'complaint', data }, address);
  return item.feedbackType;
}

/**
 * Each item must carry a token minted by us for the authenticated workspace; forged or foreign items are
 * rejected with a reason and record nothing. 400 when no item is acceptable.
 * NOTE: only the message's `report` token (its X-Cairn-Tracking header) names a message here: a report leads to
 * suppression, so the pixel, link, unsubscribe, subscription-center and forward tokens that reach third parties
 * through the message's HTML and List-Unsubscribe do not.
 */
function webhookRoute<T extends { token: string | null }>(
  deps: IngestDeps,
  auth: WebhookAuth,
  parse: (body: string, isJson: boolean) => Parsed<T>,
  handle: (deps: IngestDeps, token: TrackingToken, item: T) => Promise<string>,
) {
  return async (request: FastifyRequest<{ Body: unknown }>, reply: FastifyReply) => {
    const { workspaceId } = auth.principal(request);
    const isJson = /json/i.test(request.headers['content-type'] ?? '');
    const parsed = parse(typeof request.body === 'string' ? request.body : '', isJson);
    if ('error' in parsed) return reply.code(400).send({ error: parsed.error });
    const verified = parsed.items.map((item) => ({
      item,
      token: item.token ? deps.tokens.verify(item.token, 'report') : null,
    }));
    const rejected = verified.flatMap(({ token }, index) =>
      !token || token.workspaceId !== workspaceId
        ? [{ index, error: 'tracking token missing, forged, not a report token or of another workspace' }]
        : [],
    );
    if (rejected.length === verified.length) return reply.code(400).send({ error: 'no acceptable item', rejected });
    const results: { index: number; result: string }[] = [];
    for (const [index, { item, token }] of verified.entries()) {
      if (!token || token.workspaceId !== workspaceId) continue;
      // NOTE: nothing is recorded for an erased contact (following-policy.ts): no event, and no suppression that
      // would store its address again; the report is acknowledged so the provider does not retry it.
      results.push({
        index,
        result: deps.following.erased(token.contactId) ? 'ignored: contact erased' : await handle(deps, token, item),
      });
    }
    return reply.code(200).send({ accepted: results, rejected });
  };
}

type WebhookAuth = ReturnType<typeof authenticateFirst<{ workspaceId: string }>>;

export async function registerWebhookRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const auth: WebhookAuth = authenticateFirst(async (request, reply) => {
    const workspaceId = await webhookWorkspace(deps.pool, request.headers.authorization);
    return workspaceId ? { workspaceId } : refuse(reply, 401, 'webhook secret missing or wrong');
  });
  app.post('/v1/webhooks/bounces', { onRequest: auth.onRequest }, webhookRoute(deps, auth, bounceItems, handleBounce));
  app.post(
    '/v1/webhooks/complaints',
    { onRequest: auth.onRequest },
    webhookRoute(deps, auth, complaintItems, handleComplaint),
  );
}
