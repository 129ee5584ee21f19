import type { Pool } from 'pg';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { newId } from '../support/test-env';

// Forms, pages and the events ingest produces for them (docs/pages-and-forms.md), for the inbound journey tests: the
// rows as migration 0350 has them, the events as the contract has them.

/** A form of the workspace (draft or live; a live one has version 1). */
export async function insertForm(pool: Pool, workspaceId: string, status: 'draft' | 'live' = 'live'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO forms (workspace_id, name, definition, status, live_version) VALUES ($1, 'signup', '{}', $2, $3) RETURNING id`,
    [workspaceId, status, status === 'live' ? 1 : null],
  );
  return rows[0]!.id;
}

/** A page of the workspace. */
export async function insertPage(pool: Pool, workspaceId: string, status: 'draft' | 'live' = 'live'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO pages (workspace_id, name, definition, status, live_version) VALUES ($1, 'landing', '{}', $2, $3) RETURNING id`,
    [workspaceId, status, status === 'live' ? 1 : null],
  );
  return rows[0]!.id;
}

/** What every web event carries: no message led to it. */
const visit = (workspaceId: string, contactId: string) => ({
  event_id: newId(),
  event_time: Date.now(),
  workspace_id: workspaceId,
  contact_id: contactId,
  message_id: '',
  email_id: '',
  email_version: 0,
});

/** An accepted submission of the form by the contact, as ingest produces it. */
export function formSubmitted(workspaceId: string, contactId: string, formId: string): CairnEvent {
  return {
    type: 'form_submitted',
    data: {
      ...visit(workspaceId, contactId),
      submission_id: newId(),
      form_id: formId,
      form_version: 1,
      page_id: null,
      contact_outcome: 'updated',
      lead_outcome: 'none',
    },
  };
}

/** A visit of the page; contactId '' is an anonymous visitor, `machine` a scanner. */
export function pageVisited(workspaceId: string, contactId: string, pageId: string, machine = false): CairnEvent {
  return {
    type: 'page_visited',
    data: {
      ...visit(workspaceId, contactId),
      visitor_id: newId(),
      page_id: pageId,
      page_version: 1,
      machine,
      machine_reason: machine ? 'scanner' : null,
    },
  };
}
