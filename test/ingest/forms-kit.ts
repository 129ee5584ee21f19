import type { Pool } from 'pg';
import type { FormDefinition } from '../../lib/domain/forms/form-definition';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { insertForm as insertFormRow } from '../forms/double-opt-in-kit';
import type { IngestKit } from './ingest-kit';
import type { HttpResult } from './ingest-support';

/** The public origin the form tests give ingest (CAIRN_INGEST_PUBLIC_URL); no browser resolves it, none needs to. */
export const PUBLIC_URL = 'https://pages.cairn.test';
export const SHOP_ORIGIN = 'https://shop.example';

/** A form with every kind of field the tests post; min_fill_seconds 0 unless a test says otherwise. */
export function formDefinition(listIds: string[], overrides: Partial<FormDefinition> = {}): FormDefinition {
  return {
    fields: [
      { name: 'email', kind: 'email', label: 'Email', required: true },
      { name: 'first_name', kind: 'text', label: 'First <b>name</b>', required: false },
      { name: 'last_name', kind: 'text', label: 'Last name', required: false },
      { name: 'company', kind: 'text', label: 'Company', required: false, max_length: 80 },
      { name: 'attributes.size', kind: 'number', label: 'Team size', required: false, min: 1, max: 1000 },
      // the API's schema wants at least one option: a form without lists has no lists field
      ...(listIds.length === 0
        ? []
        : [
            {
              name: 'lists',
              kind: 'checkbox' as const,
              label: 'Newsletters',
              required: false,
              options: listIds.map((id, i) => ({ value: id, label: `List ${i}` })),
            },
          ]),
    ],
    create_lead: true,
    list_ids: [],
    consent_level: 4,
    double_opt_in: false,
    thank_you: { kind: 'message', message: 'Thanks <for> signing up' },
    min_fill_seconds: 0,
    ...overrides,
  };
}

/** A live form with one frozen version (version 1), as the API's go-live leaves it: the double opt-in tests' helper. */
export const insertForm = (pool: Pool, workspaceId: string, definition: FormDefinition): Promise<string> =>
  insertFormRow(pool, workspaceId, { ...definition });

/** A live page (version 1) embedding the forms with the placeholder go-live keeps. */
export async function insertPage(pool: Pool, workspaceId: string, formIds: string[], status = 'live'): Promise<string> {
  const pageId = newId();
  const html = `<!doctype html><html><head><title>Spring</title></head><body><h1>Spring demo</h1>${formIds
    .map((id) => `{{form "${id}"}}`)
    .join('<hr>')}</body></html>`;
  await pool.query(
    `INSERT INTO pages (id, workspace_id, name, definition, status, live_version) VALUES ($1, $2, 'Spring', '{}', $3, 1)`,
    [pageId, workspaceId, status],
  );
  await pool.query(
    `INSERT INTO page_versions (page_id, version, workspace_id, title, html, forms) VALUES ($1, 1, $2, 'Spring', $3, $4)`,
    [pageId, workspaceId, html, JSON.stringify(formIds.map((id) => ({ form_id: id, version: 1 })))],
  );
  return pageId;
}

/** The hidden ticket of the form rendered in a page (the first, or the one posting to formId). */
export function ticketIn(page: HttpResult, formId: string): string {
  const form = page.body.split('<form ').find((part) => part.includes(`/forms/${formId}/submit`)) ?? '';
  const ticket = /name="cairn_ticket" value="([A-Za-z0-9_-]+)"/.exec(form)?.[1];
  if (!ticket) throw new Error('no ticket in the page');
  return ticket;
}

export const body = (fields: Record<string, string | string[]>): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  return params.toString();
};

/** Events of one type whose data match, once at least n arrived. */
export function eventsWhere<T extends CairnEvent['type']>(
  kit: IngestKit,
  type: T,
  match: (data: Record<string, unknown>) => boolean,
  n = 1,
): Promise<Extract<CairnEvent, { type: T }>[]> {
  return waitFor(
    () =>
      kit.reader.events.filter(
        (e): e is Extract<CairnEvent, { type: T }> =>
          e.type === type && match(e.data as unknown as Record<string, unknown>),
      ),
    (found) => found.length >= n,
  );
}

export async function count(pool: Pool, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sql}`, params);
  return Number(rows[0]?.n ?? 0);
}
