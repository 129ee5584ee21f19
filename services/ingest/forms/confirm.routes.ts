import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import {
  applyConfirmation,
  confirmationState,
  type ConfirmationTarget,
  type ConfirmOutcome,
} from '../../../lib/domain/forms/form-confirmation';
import { escapeHtml, messagePage, page, PAGE_HEADERS } from '../html-pages';
import type { IngestDeps } from '../ingest-deps';
import { isToken, notFound, type TokenGuard } from '../token-guard';

// Double opt-in confirmation links (docs/pages-and-forms.md#double-opt-in): GET shows a button and never acts (mail
// scanners follow every link), POST applies the confirmation once.

type ConfirmRequest = FastifyRequest<{ Params: { token: string } }>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTROL = /[\u0000-\u001f\u007f]/g;

const PAGES: Record<Exclude<ConfirmOutcome, 'applied'>, { status: number; title: string; text: string }> = {
  confirmed: {
    status: 200,
    title: 'Already confirmed',
    text: 'You confirmed this subscription before: nothing changed.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    text: 'Nothing was changed. Fill in the form again to get a new confirmation email.',
  },
  gone: { status: 410, title: 'Nothing to confirm', text: 'There is no subscription waiting for this link any more.' },
};

const html = (reply: FastifyReply, status: number, body: string): FastifyReply =>
  reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);

/** The page with the one button that confirms: a form posting back to the same URL. */
export function confirmPage(token: string): string {
  return page(
    'Confirm your subscription',
    `<p>Please confirm that you want to receive these emails.</p>
<form method="post" action="/confirm/${escapeHtml(token)}"><button type="submit">Confirm</button></form>`,
  );
}

/** The confirmation a token names, or null when one of its ids is no UUID (then it names no row). */
function targetOf(token: TrackingToken): ConfirmationTarget | null {
  const { workspaceId, contactId, messageId: submissionId } = token;
  return [workspaceId, contactId, submissionId].every((id) => UUID.test(id))
    ? { workspaceId, contactId, submissionId }
    : null;
}

export async function registerConfirmRoutes(
  app: FastifyInstance,
  { deps, guard }: { deps: IngestDeps; guard: TokenGuard },
): Promise<void> {
  const verified = new WeakMap<FastifyRequest, ConfirmationTarget>();
  const options = {
    bodyLimit: deps.config.formBodyLimit,
    /**
     * NOTE: only a token of purpose `confirm` passes (docs/security.md#token-purposes), checked before a byte of the
     * body is read; any other is the 404 of a bad token, counted against the client's bad-token budget.
     */
    onRequest: async (request: ConfirmRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      // Set before any refusal is sent: Node would otherwise read (drain) the unread body to reuse the connection.
      reply.header('connection', 'close');
      const token = guard.verify(request, reply, request.params.token, 'confirm');
      if (!isToken(token)) return token;
      const target = targetOf(token);
      if (!target) return notFound(reply);
      reply.removeHeader('connection');
      verified.set(request, target);
      return undefined;
    },
  };
  const targetFor = (request: ConfirmRequest): ConfirmationTarget | null => {
    const target = verified.get(request);
    if (!target) throw new Error('confirm route used without its onRequest hook');
    // NOTE: nothing is changed for an erased contact (following-policy.ts)
    return deps.following.erased(target.contactId) ? null : target;
  };
  const settled = (reply: FastifyReply, outcome: Exclude<ConfirmOutcome, 'applied'>): FastifyReply => {
    const shown = PAGES[outcome];
    return html(reply, shown.status, messagePage(shown.title, shown.text));
  };

  app.get('/confirm/:token', options, async (request: ConfirmRequest, reply) => {
    const target = targetFor(request);
    const state = target ? await confirmationState(deps.pool, target) : 'gone';
    return state === 'open' ? html(reply, 200, confirmPage(request.params.token)) : settled(reply, state);
  });

  app.post('/confirm/:token', options, async (request: ConfirmRequest, reply) => {
    const target = targetFor(request);
    if (!target) return settled(reply, 'gone');
    const userAgent = request.headers['user-agent']?.replace(CONTROL, '') ?? null;
    const outcome = await applyConfirmation(deps.pool, target, { country: deps.countryOf(request.ip), userAgent });
    if (outcome !== 'applied') return settled(reply, outcome);
    return html(reply, 200, messagePage('Confirmed', 'Thank you: your subscription is confirmed.'));
  });
}
