import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { FORM_PLACEHOLDER } from '../../../lib/domain/forms/form-definition';
import type { FieldError } from '../../../lib/domain/forms/submission-check';
import { page } from '../html-pages';
import { closedFormHtml, formHtml } from './form-html';
import type { FormTicketCodec } from './form-ticket';
import { formKey, type FrozenForm, frozenForms, type PageVersion } from './forms.repository';

/**
 * A Cairn page's headers (docs/pages-and-forms.md#pages): no script at all, images over https, forms post only
 * to ingest, no framing, no base; never cached, and no Referer: the landing token is in the page's URL.
 */
export const LANDING_PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

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
): Promise<string> {
  const forms = await frozenForms(pool, on.forms);
  return on.html.replace(FORM_PLACEHOLDER, (_placeholder, formId: string) => {
    const pin = on.forms.find((f) => f.formId === formId);
    const form = pin && forms.get(formKey(pin.formId, pin.version));
    if (!form || form.workspaceId !== on.workspaceId) return '';
    if (!form.live) return closedFormHtml;
    const refused = options.refused?.formId === formId ? options.refused : undefined;
    return formHtml(form, {
      ticket: refused?.ticket ?? freshTicket(tickets, form, on),
      landing: options.landing,
      ...(refused ? { values: refused.values, errors: refused.errors } : {}),
    });
  });
}

/** A form on a page of its own (an embedded form refused, or a fresh form after a bad ticket). */
export function formPage(form: FrozenForm, ticket: string, landing: string | null, refused?: Refused): string {
  return page(form.name, formHtml(form, { ...(refused ?? {}), ticket, landing }));
}
