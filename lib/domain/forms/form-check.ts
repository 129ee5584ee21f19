import { isEmailAddress } from '../email/email-address';
import { definitionIssues, isFormDefinitionShape, type DefinitionIssue } from './definition-schema';
import { CONTACT_FIELDS, type FormDefinition, type FormField } from './form-definition';
import { httpUrlProblem, redirectProblem } from './form-origins';

/**
 * The form definition check (docs/pages-and-forms.md#forms, docs/api.md#forms-and-pages): its shape
 * (definition-schema.ts), then the rules a shape cannot say. A draft may be incomplete (no email field yet, a double
 * opt-in without its sender, a redirect to an origin not yet allowed); go-live (`live`) runs every rule. What
 * names another resource (list ids) is checked in both, against the ids the caller found in the workspace.
 */

export interface FormCheckContext {
  /** the workspace's canonical form origins (form-origins.ts) */
  formOrigins: readonly string[];
  /** which of listIdsIn(definition) are subscription lists of the workspace */
  listIds: ReadonlySet<string>;
  live: boolean;
}

export type FormCheck = { issues: DefinitionIssue[]; definition: FormDefinition | null };

const ROOT = 'definition';
const ATTRIBUTE = /^attributes\.[a-z][a-z0-9_]{0,39}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** In longer texts (a thank-you message, the confirmation text) line breaks and tabs are text. */
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LENGTH_KINDS = new Set(['text', 'textarea', 'tel']);
const OPTION_KINDS = new Set(['select']);
const CONTACT_NAMES = new Set<string>(CONTACT_FIELDS);

const isAllowedName = (name: string): boolean => CONTACT_NAMES.has(name) || ATTRIBUTE.test(name) || name === 'lists';

/** Every string of the definition that may be a list id: the lookup the caller makes before the check. */
export function listIdsIn(value: unknown): string[] {
  if (!isFormDefinitionShape(value)) return [];
  const chosen = value.fields.filter((f) => f.name === 'lists').flatMap((f) => f.options?.map((o) => o.value) ?? []);
  return [...new Set([...value.list_ids, ...chosen])];
}

function fieldIssues(fieldAt: string, field: FormField, ctx: FormCheckContext): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const issue = (name: string, message: string) => issues.push({ field: `${fieldAt}.${name}`, message });
  if (!isAllowedName(field.name))
    issue('name', `must be one of ${CONTACT_FIELDS.join(', ')}, lists or attributes.<key> (key: [a-z][a-z0-9_]{0,39})`);
  if (CONTROL.test(field.label)) issue('label', 'must not contain control characters');
  if ((field.name === 'email') !== (field.kind === 'email'))
    issue('kind', 'the email field, and only it, is of kind email');
  if (field.name === 'email' && !field.required) issue('required', 'the email field is always required');
  if (field.max_length !== undefined && !LENGTH_KINDS.has(field.kind))
    issue('max_length', 'applies to text, textarea and tel fields only');
  if ((field.min !== undefined || field.max !== undefined) && field.kind !== 'number')
    issue('min', 'min and max apply to number fields only');
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) issue('max', 'is below min');
  const needsOptions = OPTION_KINDS.has(field.kind) || field.name === 'lists';
  if (needsOptions && !field.options)
    issue('options', `a ${field.name === 'lists' ? 'lists' : 'select'} field needs options`);
  if (!needsOptions && field.options) issue('options', 'apply to select and lists fields only');
  for (const [i, option] of (field.options ?? []).entries()) {
    if (field.options?.findIndex((o) => o.value === option.value) !== i)
      issue(`options[${i}].value`, 'is the value of another option');
    if (CONTROL.test(option.label) || CONTROL.test(option.value))
      issue(`options[${i}].label`, 'must not contain control characters');
    if (field.name === 'lists' && !ctx.listIds.has(option.value))
      issue(`options[${i}].value`, 'is not a subscription list of this workspace');
  }
  return issues;
}

function fieldsIssues(definition: FormDefinition, ctx: FormCheckContext): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const [i, field] of definition.fields.entries()) {
    issues.push(...fieldIssues(`${ROOT}.fields[${i}]`, field, ctx));
    if (definition.fields.findIndex((f) => f.name === field.name) !== i)
      issues.push({ field: `${ROOT}.fields[${i}].name`, message: 'another field has this name' });
  }
  const emails = definition.fields.filter((f) => f.name === 'email').length;
  if (ctx.live && emails === 0)
    issues.push({
      field: `${ROOT}.fields`,
      message: 'a form needs exactly one field named email (kind email, required)',
    });
  return issues;
}

function settingsIssues(definition: FormDefinition, ctx: FormCheckContext): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const [i, id] of definition.list_ids.entries()) {
    if (definition.list_ids.indexOf(id) !== i)
      issues.push({ field: `${ROOT}.list_ids[${i}]`, message: 'is listed twice' });
    else if (!ctx.listIds.has(id))
      issues.push({ field: `${ROOT}.list_ids[${i}]`, message: 'is not a subscription list of this workspace' });
  }
  const from = definition.confirmation?.from_address;
  if (from !== undefined && !isEmailAddress(from))
    issues.push({
      field: `${ROOT}.confirmation.from_address`,
      message: 'must be one plain address such as news@example.com',
    });
  else if (ctx.live && definition.double_opt_in && from === undefined)
    issues.push({
      field: `${ROOT}.confirmation.from_address`,
      message: 'double opt-in sends a confirmation email: set its sender',
    });
  for (const key of ['from_name', 'subject'] as const)
    if (CONTROL.test(definition.confirmation?.[key] ?? ''))
      issues.push({ field: `${ROOT}.confirmation.${key}`, message: 'must be one line without control characters' });
  if (CONTROL_BUT_LINES.test(definition.confirmation?.text ?? ''))
    issues.push({ field: `${ROOT}.confirmation.text`, message: 'must not contain control characters' });
  const thanks = definition.thank_you;
  if (thanks.kind === 'message' && CONTROL_BUT_LINES.test(thanks.message))
    issues.push({ field: `${ROOT}.thank_you.message`, message: 'must not contain control characters' });
  if (thanks.kind === 'redirect') {
    const problem = ctx.live ? redirectProblem(thanks.url, ctx.formOrigins) : httpUrlProblem(thanks.url);
    if (problem) issues.push({ field: `${ROOT}.thank_you.url`, message: problem });
  }
  return issues;
}

/** The check of a stored or posted definition: its issues, and the typed definition when its shape is right. */
export function checkFormDefinition(value: unknown, ctx: FormCheckContext): FormCheck {
  if (!isFormDefinitionShape(value))
    return { issues: definitionIssues(ROOT, isFormDefinitionShape.errors), definition: null };
  return { issues: [...fieldsIssues(value, ctx), ...settingsIssues(value, ctx)], definition: value };
}
