import type { Pool, PoolClient } from 'pg';
import { escapeUTF8 } from 'entities';
import { formHtml } from '../../lib/domain/forms/form-html';
import { UUID_PATTERN } from '../../lib/contracts/messages/message-schema';
import { isFormDefinitionShape } from '../../lib/domain/forms/definition-schema';
import { checkFormDefinition, listIdsIn } from '../../lib/domain/forms/form-check';
import type { FormDefinition } from '../../lib/domain/forms/form-definition';
import type { ApiConfig } from './api.config';
import { ApiProblem, type FieldError } from './api-problem';
import type { DefinitionKind, DefinitionRow } from './definition-store';
import { assertVerifiedFrom } from './sending-domains';

/** Marketing forms (docs/api.md#forms-and-pages): the definition checked by lib/domain/forms/form-check.ts. */

/** A new form's definition: one email field and a thank-you message, which can go live as it is. */
const INITIAL_FORM: FormDefinition = {
  fields: [{ name: 'email', kind: 'email', label: 'Email', required: true }],
  create_lead: false,
  list_ids: [],
  consent_level: null,
  double_opt_in: false,
  confirmation: null,
  thank_you: { kind: 'message', message: 'Thank you.' },
  min_fill_seconds: 3,
};

const UUID = new RegExp(UUID_PATTERN);

async function formCheck(db: Pool | PoolClient, workspaceId: string, definition: unknown, live: boolean) {
  const ids = listIdsIn(definition).filter((id) => UUID.test(id));
  const { rows: lists } = await db.query<{ id: string }>(
    'SELECT id::text FROM subscription_lists WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, ids],
  );
  const { rows } = await db.query<{ form_origins: string[] }>('SELECT form_origins FROM workspaces WHERE id = $1', [
    workspaceId,
  ]);
  return checkFormDefinition(definition, {
    formOrigins: rows[0]?.form_origins ?? [],
    listIds: new Set(lists.map((list) => list.id)),
    live,
  });
}

/** The confirmation email's sender is checked as an email's From at go-live (docs/api.md#sending-domains). */
async function senderIssues(
  db: PoolClient,
  config: Pick<ApiConfig, 'sendingDomains'>,
  workspaceId: string,
  definition: FormDefinition,
): Promise<FieldError[]> {
  if (!definition.double_opt_in) return [];
  try {
    const from = definition.confirmation?.from_address;
    await assertVerifiedFrom(db, config, workspaceId, from, 'definition.confirmation.from_address');
    return [];
  } catch (error) {
    if (error instanceof ApiProblem) return error.errors;
    throw error;
  }
}

export function formKind(config: Pick<ApiConfig, 'sendingDomains'>): DefinitionKind {
  return {
    table: 'forms',
    versions: 'form_versions',
    parent: 'form_id',
    noun: 'form',
    select:
      'SELECT t.*, v.definition AS live_definition FROM forms t LEFT JOIN form_versions v ON v.form_id = t.id AND v.version = t.live_version',
    initial: { ...INITIAL_FORM },
    checkDraft: async (db, workspaceId, definition) => (await formCheck(db, workspaceId, definition, false)).issues,
    freeze: async (db, workspaceId, row) => {
      const check = await formCheck(db, workspaceId, row.definition, true);
      if (!check.definition || check.issues.length > 0) return { issues: check.issues, columns: null };
      const issues = await senderIssues(db, config, workspaceId, check.definition);
      return { issues, columns: issues.length === 0 ? { definition: check.definition } : null };
    },
  };
}

/**
 * The plain HTML fallback for a site on one of the workspace's form origins (docs/pages-and-forms.md#plain-html-fallback):
 * ingest's own renderer (lib/domain/forms/form-html.ts) over the live version (what ingest checks a ticketless post
 * against), else the draft; no ticket (ingest accepts a ticketless post from an allowed origin), the honeypot kept.
 */
export function embedHtml(formId: string, submitUrl: string, definition: unknown): string {
  if (!isFormDefinitionShape(definition)) return '';
  return formHtml({ formId, definition }, { action: submitUrl, ticket: null, landing: null });
}

/** A form as the API answers it: its row, where it is posted, and how a site embeds it. */
export function formView(row: DefinitionRow, ingestUrl: string): Record<string, unknown> {
  const { live_definition, ...form } = row;
  const submitUrl = `${ingestUrl}/forms/${row.id}/submit`;
  const script = `<script src="${escapeUTF8(`${ingestUrl}/forms/${row.id}/embed.js`)}" async></script>`;
  return {
    ...form,
    submit_url: submitUrl,
    embed: { script, html: embedHtml(row.id, submitUrl, live_definition ?? row.definition) },
  };
}
