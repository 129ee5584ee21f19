import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseRecipientAddress } from '../../lib/domain/email/email-address';
import { encodeForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import type { TokenPurpose, TrackingToken } from '../../lib/contracts/tracking/tracking-token';
import type { IngestDeps } from './ingest-deps';
import { WindowCounter } from './bounded-cache';
import { deterministicEventId, emailContext } from './event-factory';
import {
  forwardFormPage,
  MAX_FRIENDS,
  messagePage,
  PAGE_HEADERS,
  subscriptionCenterPage,
  unsubscribeConfirmPage,
} from './html-pages';
import { applyChoices, listChoices, unsubscribeContact } from '../../lib/domain/subscriptions/subscriptions-repository';
import { isToken, notFound, type TokenGuard, tooManyRequests } from './token-guard';
import { workspacePage } from './workspace-pages';

type TokenRequest = FastifyRequest<{ Params: { token: string }; Body: unknown }>;
type TokenHandler = (token: TrackingToken, request: TokenRequest, reply: FastifyReply) => Promise<unknown>;

const HOUR_MS = 3_600_000;
const ERASED_TEXT =
  'We no longer keep this address: you will not receive these emails, and there is nothing to unsubscribe, save or forward.';

export function formOf(body: unknown): URLSearchParams {
  return new URLSearchParams(typeof body === 'string' ? body : '');
}

const html = (reply: FastifyReply, status: number, body: string): FastifyReply =>
  reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);

/** On to the workspace's own page (workspace-pages.ts); the token in its URL must not leak on as a Referer. */
const seeOther = (reply: FastifyReply, url: string): FastifyReply =>
  reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(url, 303);

interface RouteKit {
  /**
   * A token route's options: the token in the URL is verified (and its email version's owner checked) in an
   * onRequest hook, before fastify reads a byte of the body; a bad token is a 404 (429 once the client address
   * has presented too many) and the connection is closed, so an unauthenticated body is never read or drained.
   * Only a token of the route's own purpose passes (docs/security.md#token-purposes).
   */
  tokenRoute: (
    purpose: TokenPurpose,
    handler: TokenHandler,
  ) => {
    bodyLimit: number;
    onRequest: (request: TokenRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
    handler: (request: TokenRequest, reply: FastifyReply) => Promise<unknown>;
  };
  /** answers with ok() once work (event publishing) is durable, 503 when it cannot be */
  durable: (reply: FastifyReply, work: Promise<unknown>, ok: () => FastifyReply) => Promise<FastifyReply>;
}

function routeKit(deps: IngestDeps, guard: TokenGuard): RouteKit {
  const verified = new WeakMap<FastifyRequest, TrackingToken>();
  const tokenRoute: RouteKit['tokenRoute'] = (purpose, handler) => ({
    // Forms on these pages are a few fields: anything larger is refused (413) before it is buffered.
    bodyLimit: deps.config.formBodyLimit,
    onRequest: async (request, reply) => {
      // Set before any refusal is sent: Node would otherwise read (drain) the unread body to reuse the connection.
      reply.header('connection', 'close');
      const token = guard.verify(request, reply, request.params.token, purpose);
      if (!isToken(token)) return token;
      if (!(await deps.links.owns(token))) return notFound(reply);
      reply.removeHeader('connection');
      verified.set(request, token);
      return undefined;
    },
    handler: async (request, reply) => {
      const token = verified.get(request);
      if (!token) throw new Error('token route used without its onRequest hook');
      // NOTE: nothing is recorded or changed for an erased contact (following-policy.ts): no event, no list
      // membership, no forward; the page says there is nothing left to change.
      if (deps.following.erased(token.contactId))
        return html(reply, 200, messagePage('Nothing to change', ERASED_TEXT));
      return handler(token, request, reply);
    },
  });
  const durable = async (
    reply: FastifyReply,
    work: Promise<unknown>,
    ok: () => FastifyReply,
  ): Promise<FastifyReply> => {
    try {
      await work;
      return ok();
    } catch (error) {
      deps.log.error({ err: error }, 'event_not_durable');
      return html(reply, 503, messagePage('Please try again', 'We could not record this right now.'));
    }
  };
  return { tokenRoute, durable };
}

/** Pages a recipient reaches from the mail: unsubscribe, subscription center, forward to a friend. */
export async function registerRecipientRoutes(
  app: FastifyInstance,
  { deps, guard }: { deps: IngestDeps; guard: TokenGuard },
): Promise<void> {
  const kit = routeKit(deps, guard);
  registerUnsubscribe(app, deps, kit);
  registerSubscriptionCenter(app, deps, kit);
  registerForward(app, deps, kit);
}

function registerUnsubscribe(app: FastifyInstance, deps: IngestDeps, { tokenRoute, durable }: RouteKit): void {
  // GET never unsubscribes: link scanners and prefetchers follow every URL in a mail.
  app.get(
    '/u/:token',
    tokenRoute('unsubscribe', async (_token, request, reply) =>
      html(reply, 200, unsubscribeConfirmPage(request.params.token)),
    ),
  );

  /** RFC 8058 one-click (body List-Unsubscribe=One-Click) and the confirmation form both land here. */
  app.post(
    '/u/:token',
    tokenRoute('unsubscribe', async (token, _request, reply) => {
      const listIds = await unsubscribeContact(deps.pool, { ...token, listId: token.listId ?? null });
      const eventId = deterministicEventId('unsubscribe', token.messageId, token.listId ?? '*');
      const event = {
        type: 'unsubscribe' as const,
        data: { ...emailContext(token, false, eventId), method: 'one_click' as const, list_ids: listIds },
      };
      deps.metrics.trackingHits.inc('unsubscribe', 'false', 'human');
      return durable(reply, deps.sink.publishEvent(event), () =>
        html(reply, 200, messagePage('Unsubscribed', 'You will not receive these emails any more.')),
      );
    }),
  );
}

function registerSubscriptionCenter(app: FastifyInstance, deps: IngestDeps, { tokenRoute, durable }: RouteKit): void {
  app.get(
    '/s/:token',
    tokenRoute('subscription_center', async (token, request, reply) => {
      const page = await workspacePage(deps.pool, token, 'subscription_center', request.params.token);
      if (page !== null) return seeOther(reply, page);
      const lists = await listChoices(deps.pool, token.workspaceId, token.contactId);
      return html(reply, 200, subscriptionCenterPage(request.params.token, lists));
    }),
  );

  app.post(
    '/s/:token',
    tokenRoute('subscription_center', async (token, request, reply) => {
      const chosen = new Set(formOf(request.body).getAll('list'));
      const { joined, left } = await applyChoices(deps.pool, { ...token, chosen });
      const events = [
        deps.sink.publishEvent({
          type: 'subscription_submitted',
          data: { ...emailContext(token), changed: joined.length + left.length > 0 },
        }),
      ];
      if (left.length > 0) {
        const data = { ...emailContext(token), method: 'subscription_center' as const, list_ids: left };
        events.push(deps.sink.publishEvent({ type: 'unsubscribe', data }));
      }
      return durable(reply, Promise.all(events), () =>
        html(reply, 200, messagePage('Saved', 'Your subscriptions are updated.')),
      );
    }),
  );
}

function registerForward(app: FastifyInstance, deps: IngestDeps, { tokenRoute, durable }: RouteKit): void {
  const perMessage = new WindowCounter(deps.config.forwardPerMessage, HOUR_MS);
  const perIp = new WindowCounter(deps.config.forwardPerIp, HOUR_MS);

  app.get(
    '/f/:token',
    tokenRoute('forward', async (token, request, reply) => {
      const page = await workspacePage(deps.pool, token, 'forward', request.params.token);
      return page === null ? html(reply, 200, forwardFormPage(request.params.token)) : seeOther(reply, page);
    }),
  );

  app.post(
    '/f/:token',
    tokenRoute('forward', async (token, request, reply) => {
      const friends = friendsOf(request.body);
      if (friends === null) {
        return html(reply, 400, messagePage('Check the addresses', `Enter 1 to ${MAX_FRIENDS} valid email addresses.`));
      }
      for (const [limit, key] of [
        [perMessage, token.messageId],
        [perIp, request.ip],
      ] as const) {
        if (limit.take(key)) continue;
        tooManyRequests(reply, limit.retryAfterSeconds(key));
        return html(reply, 429, messagePage('Too many forwards', 'Please try again later.'));
      }
      const requests = publishForwardRequests(deps, token, friends);
      deps.metrics.trackingHits.inc('forward', 'false', 'human');
      const event = deps.sink.publishEvent({
        type: 'forward',
        data: { ...emailContext(token), friend_count: friends.length },
      });
      return durable(reply, Promise.all([...requests, event]), () =>
        html(reply, 200, messagePage('Sent', 'Your friends will get a copy.')),
      );
    }),
  );
}

/** The friends' addresses of a forward form, or null when there are none, too many, or one is not an address. */
function friendsOf(body: unknown): string[] | null {
  const parsed = formOf(body)
    .getAll('friend')
    .filter((f) => f.trim() !== '')
    .map(parseRecipientAddress);
  const friends = [...new Set(parsed.filter((f): f is string => f !== null))];
  if (friends.length === 0 || friends.length > MAX_FRIENDS || parsed.includes(null)) return null;
  return friends;
}

/** One forward request per friend for the sender, keyed by the forwarding contact; resolve once durable. */
function publishForwardRequests(deps: IngestDeps, token: TrackingToken, friends: string[]): Promise<unknown>[] {
  const { workspace_id, contact_id, message_id, email_id, email_version, journey_id, tile_id, iteration } =
    emailContext(token);
  return friends.map((friend_address) => {
    const value = encodeForwardRequest({
      ...{
        workspace_id,
        email_id,
        email_version,
        friend_address,
        journey_id: journey_id ?? null,
        tile_id: tile_id ?? null,
      },
      ...{
        request_id: randomUUID(),
        requested_at: Date.now(),
        new_message_id: randomUUID(),
        iteration: iteration ?? 0,
      },
      ...{ forwarded_by_contact_id: contact_id, original_message_id: message_id },
    });
    return deps.sink.publish({ topic: deps.topics.forwardRequests, key: contact_id, value });
  });
}
