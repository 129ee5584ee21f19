import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { FORM_PLACEHOLDER } from '../../../lib/domain/forms/form-definition';
import { httpUrl, originProblem, redirectProblem } from '../../../lib/domain/forms/form-origins';
import type { FieldError } from '../../../lib/domain/forms/submission-check';
import { page } from '../html-pages';
import { closedFormHtml, formHtml } from '../../../lib/domain/forms/form-html';
import type { FormTicketCodec } from './form-ticket';
import { formKey, type FrozenForm, frozenForms, type PageVersion } from './forms.repository';

/**
 * A Cairn page's headers (docs/pages-and-forms.md#pages): no script at all, images over https, forms post only
 * to ingest, no framing, no base; never cached, and no Referer to another origin: the landing token is in the
 * page's URL.
 */
export function pageHeaders(formActions: readonly string[] = []): Record<string, string> {
  // Browsers apply form-action to the redirect that answers a post too: a form whose thank-you redirects to one
  // of the workspace's origins needs that origin here (canonical origins only: no space or ';' can reach the header).
  const actions = ["'self'", ...new Set(formActions.filter((o) => originProblem(o) === null))].join(' ');
  return {
    'content-security-policy': `default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; form-action ${actions}; frame-ancestors 'none'; base-uri 'none'`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // NOTE: same-origin, not no-referrer: under no-referrer a browser posts the page's forms with `Origin: null`,
    // which the submit route's origin check refuses; same-origin still sends no Referer to any other origin.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  };
}

/** A page or form as HTML, with the origins its forms' thank-you redirects go to (pageHeaders). */
export interface Rendered {
  html: string;
  formActions: string[];
}

/** The form's thank-you redirect URL when it is an http(s) URL on one of the workspace's form_origins, else null. */
export function redirectTarget(form: FrozenForm, origins: readonly string[]): URL | null {
  const thanks = form.definition.thank_you;
  if (thanks.kind !== 'redirect' || redirectProblem(thanks.url, origins) !== null) return null;
  const url = httpUrl(thanks.url);
  return typeof url === 'string' ? null : url;
}

/** A form refused with its values and errors: rendered again with the ticket it was posted with. */
export interface Refused {
  formId: string;
  ticket: string;
  values: URLSearchParams;
  errors: FieldError[];
}

/** A fresh ticket (a new submission id) for one rendering of a form. */
export function freshTicket(tickets: FormTicketCodec, form: FrozenForm, on: PageVersion | null): string {
  return tickets.mint({
    submissionId: randomUUID(),
    ...{ formId: form.formId, formVersion: form.version },
    ...{ pageId: on?.pageId ?? null, pageVersion: on?.version ?? null },
    renderedAt: Date.now(),
  });
}

/**
 * The page's HTML with each `{{form "<id>"}}` placeholder replaced by the form version the page pinned (a form of
 * another workspace, or not pinned, renders as nothing; a stopped form as a closed note).
 */
export async function renderPage(
  pool: Pool,
  tickets: FormTicketCodec,
  on: PageVersion,
  options: { landing: string | null; refused?: Refused },
): Promise<Rendered> {
  const forms = await frozenForms(pool, on.forms);
  const formActions: string[] = [];
  const html = on.html.replace(FORM_PLACEHOLDER, (_placeholder, formId: string) => {
    const pin = on.forms.find((f) => f.formId === formId);
    const form = pin && forms.get(formKey(pin.formId, pin.version));
    if (!form || form.workspaceId !== on.workspaceId) return '';
    if (!form.live) return closedFormHtml;
    const refused = options.refused?.formId === formId ? options.refused : undefined;
    const redirect = redirectTarget(form, on.formOrigins);
    if (redirect) formActions.push(redirect.origin);
    return formHtml(form, {
      ticket: refused?.ticket ?? freshTicket(tickets, form, on),
      landing: options.landing,
      ...(refused ? { values: refused.values, errors: refused.errors } : {}),
    });
  });
  return { html, formActions };
}

/** A form on a page of its own (an embedded form refused, or a fresh form after a bad ticket). */
export function formPage(
  form: FrozenForm,
  origins: readonly string[],
  rendering: { ticket: string; landing: string | null; refused?: Refused },
): Rendered {
  const { ticket, landing, refused } = rendering;
  const redirect = redirectTarget(form, origins);
  const html = page(form.name, formHtml(form, { ...(refused ?? {}), ticket, landing }));
  return { html, formActions: redirect ? [redirect.origin] : [] };
}
