import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../../../lib/domain/forms/submission-check';
import { messagePage } from '../html-pages';
import type { IngestDeps } from '../ingest-deps';
import type { FormTicket, FormTicketCodec } from './form-ticket';
import { type FrozenForm, pageVersion } from './forms.repository';
import { formPage, pageHeaders, redirectTarget, type Refused, type Rendered, renderPage } from './page-render';

/** A client that asked for JSON (the embed script, an API caller) gets problem bodies and a JSON answer. */
export const wantsJson = (request: FastifyRequest): boolean =>
  (request.headers.accept ?? '').toLowerCase().includes('application/json');

/** An HTML answer: a rendered page with its form-action origins, or a plain message page. */
export function html(reply: FastifyReply, status: number, body: Rendered | string): FastifyReply {
  const { html: text, formActions } = typeof body === 'string' ? { html: body, formActions: [] } : body;
  return reply.code(status).headers(pageHeaders(formActions)).type('text/html; charset=utf-8').send(text);
}

/** `{status, title, errors: [{field, message}]}` (application/problem+json), never cached. */
export function problem(reply: FastifyReply, status: number, title: string, errors: FieldError[]): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/problem+json')
    .send({ status, title, errors });
}

/**
 * A refused submission (422, or 400 for a ticket): a JSON client gets the problem body; a browser the page (or the
 * form on its own) rendered again with the values kept, each error by its field, and the ticket it posted.
 */
export async function refusedAnswer(
  deps: IngestDeps,
  tickets: FormTicketCodec,
  reply: FastifyReply,
  refusal: {
    json: boolean;
    status: number;
    title: string;
    form: FrozenForm;
    ticket: FormTicket;
    landing: string | null;
    /** the workspace's form_origins: where the form's thank-you may redirect (pageHeaders) */
    origins: readonly string[];
  },
  refused: Refused,
): Promise<FastifyReply> {
  if (refusal.json) return problem(reply, refusal.status, refusal.title, refused.errors);
  const { ticket } = refusal;
  const on = ticket.pageId ? await pageVersion(deps.pool, ticket.pageId, ticket.pageVersion) : null;
  const body = on
    ? await renderPage(deps.pool, tickets, on, { landing: refusal.landing, refused })
    : formPage(refusal.form, refusal.origins, { ticket: refused.ticket, landing: refusal.landing, refused });
  return html(reply, refusal.status, body);
}

/**
 * The thank-you answer of an accepted submission (and of a replay, and of a bot that filled the honeypot): the
 * form's message as a page, or 303 to its redirect URL once its origin is checked again against the workspace's
 * form_origins (NOTE: no open redirect: a URL on no allowed origin shows the message page instead).
 */
export function thankYou(
  reply: FastifyReply,
  json: boolean,
  form: FrozenForm,
  origins: readonly string[],
  submissionId: string,
  /** adds the submitter's web identity to a redirect to a registered website (web-links.ts); absent: as it is */
  carry: (url: string) => string = (url) => url,
): FastifyReply {
  const thanks = form.definition.thank_you;
  const target = redirectTarget(form, origins)?.toString();
  const redirect = target === undefined ? null : carry(target);
  const message = thanks.kind === 'message' ? thanks.message : 'Thank you.';
  if (json) {
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .send({ status: 'accepted', submission_id: submissionId, redirect, message: redirect ? null : message });
  }
  if (redirect)
    return reply.headers({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(redirect, 303);
  return html(reply, 200, messagePage('Thank you', message));
}
