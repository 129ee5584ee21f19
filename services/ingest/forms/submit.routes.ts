import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TrackingToken } from '../../../lib/contracts/tracking/tracking-token';
import { type CheckedSubmission, checkSubmission } from '../../../lib/domain/forms/submission-check';
import { acceptSubmission } from '../../../lib/domain/forms/submission.repository';
import { messagePage } from '../html-pages';
import type { IngestDeps } from '../ingest-deps';
import { formOf } from '../recipient.routes';
import { notFound, tooManyRequests } from '../token-guard';
import { submissionEvents, messageContextOf } from './form-events';
import { HONEYPOT_FIELD, RESERVED_FIELDS, TICKET_FIELD } from '../../../lib/domain/forms/form-html';
import { allowedOrigin, allowOrigin, preflightAllowed } from './form-cors';
import { FormRateLimits } from './form-rate-limits';
import type { FormTicket, FormTicketCodec } from './form-ticket';
import { type FormGate, formGate, formKey, type FrozenForm, frozenForms } from './forms.repository';
import { isUuid, LANDING_PARAM } from './landing-link';
import { verifiedLanding } from './page.routes';
import { freshTicket, formPage } from './page-render';
import { html, problem, refusedAnswer, thankYou, wantsJson } from './submit-answers';
import { submitterToken, withWebToken } from '../web/web-links';
import type { WebsiteDirectory } from '../web/website-directory';

type SubmitRequest = FastifyRequest<{ Params: { formId: string }; Body: unknown }>;

interface SubmitKit {
  /** ingest's own public origin (CAIRN_INGEST_PUBLIC_URL): its pages post from it */
  publicOrigin: string;
  deps: IngestDeps;
  tickets: FormTicketCodec;
  limits: FormRateLimits;
  gates: WeakMap<FastifyRequest, FormGate>;
  /** the registered websites, whose thank-you redirects carry the submitter's identity (docs/web-tracking.md#identity) */
  websites: WebsiteDirectory;
}

/** One post being handled: what every step after the ticket check needs. */
interface Post {
  request: SubmitRequest;
  reply: FastifyReply;
  gate: FormGate;
  ticket: FormTicket;
  form: FrozenForm;
  posted: URLSearchParams;
  json: boolean;
  /** the landing token as posted, when it verified (rendered again with a refused form) */
  landing: string | null;
  /** that token verified once: the message context the submission keeps */
  landingToken: TrackingToken | null;
  /** a plain HTML form on an allowed site: no ticket, the live version (docs/pages-and-forms.md#plain-html-fallback) */
  ticketless: boolean;
}

/** `POST /forms/<form id>/submit` (docs/pages-and-forms.md#submissions). */
export async function registerSubmitRoutes(
  app: FastifyInstance,
  { deps, tickets, websites }: { deps: IngestDeps; tickets: FormTicketCodec; websites: WebsiteDirectory },
): Promise<void> {
  const limits = new FormRateLimits(
    deps.redis,
    deps.config.queuePrefix,
    { perIp: deps.config.formPerIp, perEmail: deps.config.formPerEmail },
    deps.log,
  );
  const publicOrigin = new URL(deps.config.publicUrl).origin;
  const kit: SubmitKit = { publicOrigin, deps, tickets, limits, gates: new WeakMap(), websites };
  app.post('/forms/:formId/submit', {
    bodyLimit: deps.config.formBodyLimit,
    onRequest: (request: SubmitRequest, reply: FastifyReply) => gateRequest(kit, request, reply),
    handler: (request: SubmitRequest, reply: FastifyReply) => handleSubmit(kit, request, reply),
  });
  app.options('/forms/:formId/submit', (request: SubmitRequest, reply: FastifyReply) => preflight(kit, request, reply));
}

/** A CORS preflight: answered for a live form and an allowed origin only (docs/pages-and-forms.md#cors). */
async function preflight(kit: SubmitKit, request: SubmitRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { formId } = request.params;
  const gate = isUuid(formId) ? await formGate(kit.deps.pool, formId.toLowerCase()) : null;
  if (!gate || !gate.live) return notFound(reply);
  const origin = allowedOrigin(request.headers.origin, kit.publicOrigin, gate.origins);
  if (origin === null)
    return problem(reply.header('vary', 'Origin'), 403, 'Origin not allowed', [
      { field: 'origin', message: 'not an allowed origin of this form' },
    ]);
  return preflightAllowed(reply, origin);
}

/**
 * Before fastify reads a byte of the body: the form must exist and be live, and an `Origin` header must be ingest's
 * public origin or one of the workspace's form_origins (NOTE: a refusal closes the connection, so a body from a
 * disallowed origin is never read).
 */
async function gateRequest(
  kit: SubmitKit,
  request: SubmitRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  reply.header('connection', 'close');
  const { formId } = request.params;
  if (!isUuid(formId)) return notFound(reply);
  const gate = await formGate(kit.deps.pool, formId.toLowerCase());
  if (!gate || !gate.live) return notFound(reply);
  const origin = request.headers.origin;
  const allowed = allowedOrigin(origin, kit.publicOrigin, gate.origins);
  if (origin !== undefined && allowed === null) {
    kit.deps.metrics.formSubmissions.inc('origin');
    return problem(reply, 403, 'Origin not allowed', [
      { field: 'origin', message: 'not an allowed origin of this form' },
    ]);
  }
  reply.removeHeader('connection');
  // The embed script reads the JSON answers from the customer's page: every answer from here on carries CORS.
  allowOrigin(reply, allowed);
  kit.gates.set(request, gate);
  return undefined;
}

async function handleSubmit(kit: SubmitKit, request: SubmitRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { deps, tickets } = kit;
  const gate = kit.gates.get(request);
  if (!gate) throw new Error('submit route used without its onRequest hook');
  const posted = formOf(request.body);
  const json = wantsJson(request);
  const ticketless = !posted.has(TICKET_FIELD) && fromCustomerSite(kit, request, gate);
  const ticket = ticketless ? ticketlessTicket(gate) : tickets.verify(posted.get(TICKET_FIELD));
  const form = ticket?.formId === gate.formId ? await frozenForm(deps, ticket) : null;
  if (!ticket || !form) return badTicket(kit, reply, gate, { json, posted });
  const landingRaw = posted.get(LANDING_PARAM);
  const landingToken = verifiedLanding(deps, landingRaw, gate.workspaceId);
  const landing = landingToken ? (landingRaw ?? null) : null;
  const post: Post = { request, reply, gate, ticket, form, posted, json, landing, landingToken, ticketless };
  // NOTE: a filled honeypot gets the normal thank-you answer and nothing is written or published.
  if ((posted.get(HONEYPOT_FIELD) ?? '') !== '') {
    deps.metrics.formSubmissions.inc('honeypot');
    return thankYou(reply, json, form, gate.origins, ticket.submissionId);
  }
  // A ticketless post has no rendered-at time: its fill time cannot be checked.
  if (!ticketless && Date.now() - ticket.renderedAt < form.definition.min_fill_seconds * 1000) {
    deps.metrics.formSubmissions.inc('too_fast');
    return refuse(kit, post, 422, 'Sent too quickly', [
      { field: 'form', message: 'sent too quickly after the form was shown; please check it and send it again' },
    ]);
  }
  const wait = await rateLimited(kit, post);
  if (wait !== null) return wait;
  const checked = checkSubmission(form.definition, posted, RESERVED_FIELDS);
  if (!checked.ok) {
    deps.metrics.formSubmissions.inc('invalid');
    return refuse(kit, post, 422, 'Check the form', checked.errors);
  }
  return accept(kit, post, checked.value);
}

/**
 * The transaction, then the events, answered once they are durable (Kafka or the spool); 503 when they are not,
 * and the client's retry is a replay that publishes the same events again.
 */
async function accept(kit: SubmitKit, p: Post, checked: CheckedSubmission): Promise<FastifyReply> {
  const { deps } = kit;
  const { form, ticket } = p;
  // NOTE: a ticketless post's id derives from the form version, email, values and hour: sent twice, it is a replay.
  const submissionId = p.ticketless
    ? kit.tickets.ticketlessSubmissionId(form, checked.email, checked.values)
    : ticket.submissionId;
  const { stored, replay } = await acceptSubmission(deps.pool, {
    submissionId,
    workspaceId: p.gate.workspaceId,
    form: {
      ...{ id: form.formId, version: form.version, name: form.name },
      ...{ createLead: form.definition.create_lead, doubleOptIn: form.definition.double_opt_in },
    },
    page: ticket.pageId && ticket.pageVersion !== null ? { id: ticket.pageId, version: ticket.pageVersion } : null,
    context: messageContextOf(p.landingToken),
    checked,
    country: deps.countryOf(p.request.ip),
    userAgent: p.request.headers['user-agent']?.slice(0, 512) ?? null,
  });
  deps.metrics.formSubmissions.inc(replay ? 'replay' : 'accepted');
  if (!stored) return thankYou(p.reply, p.json, form, p.gate.origins, submissionId);
  try {
    await Promise.all(submissionEvents(stored).map((event) => deps.sink.publishEvent(event)));
  } catch (error) {
    deps.log.error({ err: error }, 'event_not_durable');
    return p.json
      ? problem(p.reply, 503, 'Please try again', [{ field: 'form', message: 'could not be recorded right now' }])
      : html(p.reply, 503, messagePage('Please try again', 'We could not record this right now.'));
  }
  // only a redirecting thank-you can carry the submitter to a website: the others read no origins
  const redirects = form.definition.thank_you.kind === 'redirect';
  const sites = redirects ? await kit.websites.origins(p.gate.workspaceId) : [];
  const carry = (url: string) => withWebToken(deps.tokens, url, submitterToken(stored), sites);
  return thankYou(p.reply, p.json, form, p.gate.origins, stored.submissionId, carry);
}

async function frozenForm(deps: IngestDeps, ticket: FormTicket): Promise<FrozenForm | null> {
  const forms = await frozenForms(deps.pool, [{ formId: ticket.formId, version: ticket.formVersion }]);
  return forms.get(formKey(ticket.formId, ticket.formVersion)) ?? null;
}

/** A refused post gets its form again: with the ticket it posted, or a fresh one when it had none. */
const refuse = (kit: SubmitKit, p: Post, status: number, title: string, errors: { field: string; message: string }[]) =>
  refusedAnswer(
    kit.deps,
    kit.tickets,
    p.reply,
    { json: p.json, status, title, form: p.form, ticket: p.ticket, landing: p.landing, origins: p.gate.origins },
    {
      formId: p.form.formId,
      ticket: p.ticketless ? freshTicket(kit.tickets, p.form, null) : (p.posted.get(TICKET_FIELD) ?? ''),
      values: p.posted,
      errors,
    },
  );

/**
 * A post without a ticket field is the plain HTML fallback when its Origin is one of the workspace's form_origins
 * (a browser sets Origin on every cross-site post and a page cannot forge it); from anywhere else it is refused.
 */
const fromCustomerSite = (kit: SubmitKit, request: SubmitRequest, gate: FormGate): boolean =>
  request.headers.origin !== undefined && gate.origins.includes(request.headers.origin);

/** The live version stands in for a ticket; its submission id is derived once the post is checked (accept). */
function ticketlessTicket(gate: FormGate): FormTicket | null {
  if (gate.liveVersion === null) return null;
  const submissionId = randomUUID();
  return {
    submissionId,
    formId: gate.formId,
    formVersion: gate.liveVersion,
    pageId: null,
    pageVersion: null,
    renderedAt: 0,
  };
}

/**
 * A missing, forged or expired ticket (a plain HTML form on a customer's site has none): 400 with a fresh form of
 * the live version, the values kept (escaped); a JSON client gets the problem.
 */
async function badTicket(
  kit: SubmitKit,
  reply: FastifyReply,
  gate: FormGate,
  { json, posted }: { json: boolean; posted: URLSearchParams },
): Promise<FastifyReply> {
  kit.deps.metrics.formSubmissions.inc('bad_ticket');
  const errors = [
    { field: TICKET_FIELD, message: 'the form has expired or was not rendered by Cairn; please send it again' },
  ];
  if (json || gate.liveVersion === null) return problem(reply, 400, 'Form expired', errors);
  const live = await frozenForms(kit.deps.pool, [{ formId: gate.formId, version: gate.liveVersion }]);
  const form = live.get(formKey(gate.formId, gate.liveVersion));
  if (!form) return problem(reply, 400, 'Form expired', errors);
  const ticket = freshTicket(kit.tickets, form, null);
  posted.delete(TICKET_FIELD);
  const refused = { formId: form.formId, ticket, values: posted, errors };
  return html(reply, 400, formPage(form, gate.origins, { ticket, landing: null, refused }));
}

/** 429 with Retry-After once the form's per-address or per-email budget is used; null when the post may go on. */
async function rateLimited(kit: SubmitKit, p: Post): Promise<FastifyReply | null> {
  const email = (p.posted.get('email') ?? '').trim().toLowerCase().slice(0, 254);
  const checks: ['ip' | 'email', string][] = [['ip', p.request.ip]];
  if (email) checks.push(['email', email]);
  for (const [kind, who] of checks) {
    const wait = await kit.limits.take(kind, p.gate.formId, who);
    if (wait === 0) continue;
    kit.deps.metrics.formSubmissions.inc('rate_limited');
    tooManyRequests(p.reply, wait);
    const errors = [{ field: kind === 'ip' ? 'form' : 'email', message: `too many submissions; retry in ${wait} s` }];
    return p.json
      ? problem(p.reply, 429, 'Too many submissions', errors)
      : html(p.reply, 429, messagePage('Too many submissions', `Please try again in ${wait} seconds.`));
  }
  return null;
}
