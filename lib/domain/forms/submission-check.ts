import { parseRecipientAddress } from '../email/email-address';
import type { FormDefinition, FormField } from './form-definition';

/** One refused field: its name (or the unknown name posted) and why, as the 422 answer shows it. */
export interface FieldError {
  field: string;
  message: string;
}

export type AttributeValue = string | number | boolean;

/** A submission that passed every check of its frozen form version: what the transaction writes. */
export interface CheckedSubmission {
  /** lower-cased; the contact is matched by it */
  email: string;
  /** the accepted values by field name (form_submissions.fields) */
  values: Record<string, AttributeValue | string[]>;
  firstName: string | null;
  lastName: string | null;
  /** company, phone and `attributes.<key>` values, for contacts.attributes */
  attributes: Record<string, AttributeValue>;
  /** the form's list_ids and the lists chosen in its `lists` field */
  listIds: string[];
  /** the consent level to set, or null to leave the contact's */
  consentLevel: number | null;
}

export type SubmissionCheck = { ok: true; value: CheckedSubmission } | { ok: false; errors: FieldError[] };

const DEFAULT_MAX = { textarea: 2_000, other: 200 } as const;
const HARD_MAX = 5_000;
/** Every control character; a textarea keeps tab, CR and LF. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const NUMBER = /^-?\d{1,15}(\.\d{1,6})?$/;

type Checked = { value: AttributeValue | string[] | null } | { error: string };

function maxLength(field: FormField): number {
  const fallback = field.kind === 'textarea' ? DEFAULT_MAX.textarea : DEFAULT_MAX.other;
  return Math.min(field.max_length ?? fallback, HARD_MAX);
}

const inOptions = (field: FormField, value: string): boolean => (field.options ?? []).some((o) => o.value === value);

/** One field's posted values, checked by its kind; value null when it was left empty. */
// size: one case per field kind, read top to bottom
function checkField(field: FormField, posted: string[]): Checked {
  if (field.name !== 'lists' && posted.length > 1) return { error: 'given more than once' };
  const control = field.kind === 'textarea' ? CONTROL_BUT_LINES : CONTROL;
  if (posted.some((v) => control.test(v))) return { error: 'contains control characters' };
  const raw = (posted[0] ?? '').trim();
  if (field.name === 'lists') {
    const chosen = [...new Set(posted.filter((v) => v !== ''))];
    if (chosen.some((v) => !inOptions(field, v))) return { error: 'not one of the choices' };
    if (field.required && chosen.length === 0) return { error: 'required' };
    return { value: chosen };
  }
  if (raw === '') return field.required ? { error: 'required' } : { value: null };
  switch (field.kind) {
    case 'email': {
      const address = raw.length <= 254 ? parseRecipientAddress(raw) : null;
      return address ? { value: address } : { error: 'not a valid email address' };
    }
    case 'checkbox':
    case 'consent':
      return raw.length <= 20 ? { value: true } : { error: 'too long' };
    case 'select':
      return inOptions(field, raw) ? { value: raw } : { error: 'not one of the choices' };
    case 'number': {
      const n = NUMBER.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return { error: 'not a number' };
      if (field.min !== undefined && n < field.min) return { error: `at least ${field.min}` };
      if (field.max !== undefined && n > field.max) return { error: `at most ${field.max}` };
      return { value: n };
    }
    default:
      if (raw.length > maxLength(field)) return { error: `at most ${maxLength(field)} characters` };
      return { value: raw };
  }
}

/** The consent level a consent_level field's value sets (select or number: 0-5; a ticked consent box: the form's). */
function consentOf(value: AttributeValue, definition: FormDefinition): number | null | 'bad' {
  if (value === true) return definition.consent_level ?? 1;
  const level = Number(value);
  return Number.isInteger(level) && level >= 0 && level <= 5 ? level : 'bad';
}

/**
 * Checks a posted form against its frozen version (docs/pages-and-forms.md#submissions): every posted name must
 * be a field of the form (or one of `reserved`, the ticket, landing token and honeypot), the email must be one
 * address, values within their bounds and options, no control characters. All errors are reported together.
 */
export function checkSubmission(
  definition: FormDefinition,
  posted: URLSearchParams,
  reserved: ReadonlySet<string>,
): SubmissionCheck {
  const errors: FieldError[] = [];
  const names = new Set(definition.fields.map((f) => f.name));
  for (const name of new Set(posted.keys()))
    if (!names.has(name) && !reserved.has(name)) errors.push({ field: name.slice(0, 100), message: 'unknown field' });
  const accepted: Record<string, AttributeValue | string[]> = {};
  for (const field of definition.fields) {
    const checked = checkField(field, posted.getAll(field.name));
    if ('error' in checked) errors.push({ field: field.name, message: checked.error });
    else if (checked.value !== null) accepted[field.name] = checked.value;
  }
  if (!names.has('email')) errors.push({ field: 'email', message: 'required' });
  const consentValue = accepted.consent_level;
  const consent =
    consentValue === undefined || Array.isArray(consentValue) ? null : consentOf(consentValue, definition);
  if (consent === 'bad') errors.push({ field: 'consent_level', message: 'not a consent level' });
  const email = accepted.email;
  if (errors.length > 0 || typeof email !== 'string' || consent === 'bad') return { ok: false, errors };
  return { ok: true, value: submissionOf(definition, accepted, email, consent) };
}

function submissionOf(
  definition: FormDefinition,
  accepted: Record<string, AttributeValue | string[]>,
  email: string,
  consent: number | null,
): CheckedSubmission {
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(accepted)) {
    if (Array.isArray(value)) continue;
    if (name === 'company' || name === 'phone') attributes[name] = value;
    else if (name.startsWith('attributes.')) attributes[name.slice('attributes.'.length)] = value;
  }
  const chosen = accepted.lists;
  const text = (name: string): string | null => (typeof accepted[name] === 'string' ? String(accepted[name]) : null);
  return {
    email,
    values: accepted,
    firstName: text('first_name'),
    lastName: text('last_name'),
    attributes,
    listIds: [...new Set([...definition.list_ids, ...(Array.isArray(chosen) ? chosen : [])])].sort(),
    consentLevel: definition.fields.some((f) => f.name === 'consent_level') ? consent : definition.consent_level,
  };
}
