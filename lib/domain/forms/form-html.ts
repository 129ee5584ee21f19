import { escapeHtml } from './escape-html';
import type { FormDefinition, FormField } from './form-definition';
import type { FieldError } from './submission-check';

/**
 * The one form renderer (docs/pages-and-forms.md#embedding-a-form): ingest's pages and embed fragments and the
 * API's plain HTML fallback (`embed.html`) all come from here, so a control posts what checkSubmission accepts.
 */

/** Hidden fields a rendered form may carry; checkSubmission takes them as reserved names. */
export const TICKET_FIELD = 'cairn_ticket';
/** The landing token carried from a landing-page link (docs/pages-and-forms.md#landing-page-links). */
export const LANDING_PARAM = 'cairn_landing';
/** What a ticked checkbox or consent box posts (any short non-empty value is a tick for checkSubmission). */
export const CHECKED_VALUE = '1';
/** NOTE: people never see this field (moved off screen, no tab stop, no autofill); a post that fills it is a bot's. */
export const HONEYPOT_FIELD = 'website';
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([TICKET_FIELD, LANDING_PARAM, HONEYPOT_FIELD]);

/** The form to render: its id and frozen (or draft) definition. */
export interface RenderedForm {
  formId: string;
  definition: FormDefinition;
}

/**
 * What a form is rendered with: where it posts, its signed ticket (null: the plain HTML fallback, which has none),
 * the visit's landing token, and after a refusal the values and errors.
 */
export interface FormRendering {
  /** the submit URL: `/forms/<id>/submit` on a Cairn page, absolute where the form is shown on another site */
  action?: string;
  ticket: string | null;
  landing: string | null;
  values?: URLSearchParams;
  errors?: FieldError[];
}

const HONEYPOT = `<div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden" aria-hidden="true">
<label>Website <input type="text" name="${HONEYPOT_FIELD}" value="" tabindex="-1" autocomplete="off"></label></div>`;

const attr = (name: string, value: string | number | undefined): string =>
  value === undefined ? '' : ` ${name}="${escapeHtml(String(value))}"`;

/** One field's control; `id` ties its label to it, `values` are what was posted (kept after a refusal). */
// size: one case per field kind, read top to bottom
function control(field: FormField, id: string, values: string[]): string {
  const name = attr('name', field.name);
  const required = field.required ? ' required' : '';
  const value = values[0] ?? '';
  const options = field.options ?? [];
  switch (field.kind) {
    case 'textarea':
      return `<textarea id="${id}"${name}${attr('maxlength', field.max_length)}${required}>${escapeHtml(value)}</textarea>`;
    case 'select':
      return `<select id="${id}"${name}${required}><option value=""></option>${options
        .map(
          (o) =>
            `<option${attr('value', o.value)}${o.value === value ? ' selected' : ''}>${escapeHtml(o.label)}</option>`,
        )
        .join('')}</select>`;
    case 'checkbox':
    case 'consent':
      return `<input type="checkbox" id="${id}"${name} value="${CHECKED_VALUE}"${value ? ' checked' : ''}${required}>`;
    case 'number':
      return `<input type="number" step="any" id="${id}"${name}${attr('min', field.min)}${attr('max', field.max)}${attr('value', value)}${required}>`;
    default: {
      const type = field.kind === 'email' ? 'email' : field.kind === 'tel' ? 'tel' : 'text';
      const max = field.kind === 'email' ? 254 : field.max_length;
      return `<input type="${type}" id="${id}"${name}${attr('maxlength', max)}${attr('value', value)}${required}>`;
    }
  }
}

/** The `lists` field: a checkbox per list the form offers. */
function listChoices(field: FormField, id: string, values: string[]): string {
  const boxes = (field.options ?? []).map(
    (o, i) =>
      `<label><input type="checkbox" id="${id}-${i}" name="lists"${attr('value', o.value)}${values.includes(o.value) ? ' checked' : ''}> ${escapeHtml(o.label)}</label>`,
  );
  return `<fieldset><legend>${escapeHtml(field.label)}</legend>${boxes.join('<br>')}</fieldset>`;
}

function fieldHtml(field: FormField, id: string, rendering: FormRendering): string {
  const values = rendering.values?.getAll(field.name) ?? [];
  const error = rendering.errors?.find((e) => e.field === field.name);
  const message = error ? ` <span class="cairn-error" role="alert">${escapeHtml(error.message)}</span>` : '';
  if (field.name === 'lists')
    return `<div class="cairn-field"${attr('data-cairn-field', field.name)}>${listChoices(field, id, values)}${message}</div>`;
  const box = field.kind === 'checkbox' || field.kind === 'consent';
  const label = `<label for="${id}">${escapeHtml(field.label)}</label>`;
  const input = control(field, id, values);
  return `<div class="cairn-field"${attr('data-cairn-field', field.name)}>${box ? `${input} ${label}` : `${label} ${input}`}${message}</div>`;
}

/**
 * A frozen form version as a server-rendered form posting to ingest (docs/pages-and-forms.md#submissions): a label
 * and control per field, the lists as checkboxes, the hidden ticket and landing token, the honeypot; every value,
 * label and option escaped. Errors of names the form does not have are listed above the fields.
 */
export function formHtml(form: RenderedForm, rendering: FormRendering): string {
  const prefix = `cairn-${form.formId.slice(0, 8)}`;
  const names = new Set(form.definition.fields.map((f) => f.name));
  const others = (rendering.errors ?? []).filter((e) => !names.has(e.field));
  const summary = others.length
    ? `<ul class="cairn-errors" role="alert">${others.map((e) => `<li>${escapeHtml(`${e.field}: ${e.message}`)}</li>`).join('')}</ul>`
    : '';
  const fields = form.definition.fields.map((field, i) => fieldHtml(field, `${prefix}-${i}`, rendering)).join('\n');
  const landing = rendering.landing
    ? `<input type="hidden" name="${LANDING_PARAM}"${attr('value', rendering.landing)}>`
    : '';
  const action = rendering.action ?? `/forms/${form.formId}/submit`;
  const ticket =
    rendering.ticket === null ? '' : `<input type="hidden" name="${TICKET_FIELD}"${attr('value', rendering.ticket)}>`;
  return `<form method="post"${attr('action', action)} class="cairn-form" accept-charset="utf-8">
${ticket}${landing}
${HONEYPOT}${summary}
${fields}
<button type="submit">Submit</button></form>`;
}

/** A form that no longer takes submissions, where a page still embeds it. */
export const closedFormHtml = '<p class="cairn-form-closed">This form no longer takes submissions.</p>';
