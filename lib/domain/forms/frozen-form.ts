import { CONTACT_FIELDS, FIELD_KINDS, type FieldKind, type FormDefinition, type FormField } from './form-definition';

/**
 * Reads a frozen form version's definition (form_versions.definition, written by the API) back into its type.
 * NOTE: data read from PostgreSQL is checked again where it is read, field by field: a row this build cannot
 * read is refused (null) rather than cast, and the form is not served.
 */

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const optionalNumber = (value: unknown): value is number | undefined => value === undefined || isNumber(value);
const isKind = (value: unknown): value is FieldKind => (FIELD_KINDS as readonly unknown[]).includes(value);

const ATTRIBUTE = /^attributes\.[a-z][a-z0-9_]{0,39}$/;
/** Whether a field name is one a form may have: a contact field, `attributes.<key>` or `lists`. */
export const isFieldName = (name: string): boolean =>
  (CONTACT_FIELDS as readonly string[]).includes(name) || name === 'lists' || ATTRIBUTE.test(name);

function readOptions(raw: unknown): { value: string; label: string }[] | undefined | null {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) return null;
  const options = raw.map((o) => (isRecord(o) && isString(o.value) && isString(o.label) ? o : null));
  if (options.includes(null)) return null;
  return options.map((o) => ({ value: String(o?.value), label: String(o?.label) }));
}

function readField(raw: unknown): FormField | null {
  if (!isRecord(raw) || !isString(raw.name) || !isFieldName(raw.name) || !isKind(raw.kind)) return null;
  if (!isString(raw.label) || typeof raw.required !== 'boolean') return null;
  if (!optionalNumber(raw.max_length) || !optionalNumber(raw.min) || !optionalNumber(raw.max)) return null;
  const options = readOptions(raw.options);
  if (options === null) return null;
  return {
    name: raw.name,
    kind: raw.kind,
    label: raw.label,
    required: raw.required,
    ...(raw.max_length === undefined ? {} : { max_length: raw.max_length }),
    ...(raw.min === undefined ? {} : { min: raw.min }),
    ...(raw.max === undefined ? {} : { max: raw.max }),
    ...(options === undefined ? {} : { options }),
  };
}

function readThankYou(raw: unknown): FormDefinition['thank_you'] | null {
  if (!isRecord(raw)) return null;
  if (raw.kind === 'message' && isString(raw.message)) return { kind: 'message', message: raw.message };
  if (raw.kind === 'redirect' && isString(raw.url)) return { kind: 'redirect', url: raw.url };
  return null;
}

/** The definition, or null when the stored JSON is not one. */
export function readFormDefinition(raw: unknown): FormDefinition | null {
  if (!isRecord(raw) || !Array.isArray(raw.fields)) return null;
  const fields = raw.fields.map(readField);
  const thankYou = readThankYou(raw.thank_you);
  const listIds = Array.isArray(raw.list_ids) && raw.list_ids.every(isString) ? raw.list_ids.map(String) : null;
  const consent = raw.consent_level === null || raw.consent_level === undefined ? null : raw.consent_level;
  if (fields.includes(null) || thankYou === null || listIds === null) return null;
  if (typeof raw.create_lead !== 'boolean' || typeof raw.double_opt_in !== 'boolean') return null;
  if (consent !== null && !(Number.isInteger(consent) && isNumber(consent) && consent >= 0 && consent <= 5))
    return null;
  const minFill = raw.min_fill_seconds === undefined ? 3 : raw.min_fill_seconds;
  if (!isNumber(minFill) || minFill < 0) return null;
  return {
    fields: fields.filter((f): f is FormField => f !== null),
    create_lead: raw.create_lead,
    list_ids: listIds,
    consent_level: consent,
    double_opt_in: raw.double_opt_in,
    thank_you: thankYou,
    min_fill_seconds: minFill,
  };
}
