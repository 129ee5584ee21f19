import { randomUUID } from 'node:crypto';
import type { CairnEvent } from '../../lib/contracts/events/event-types';

/**
 * A known stream of page visits, form submissions and leads (docs/kpis.md#page-and-form-kpis); the tests insert it as
 * the aggregator writes it (ingestRows: fields without a column go to events_raw.detail as JSON).
 */
export interface PageFormIds {
  workspaceId: string;
  pageId: string;
  otherPageId: string;
  formId: string;
  emailId: string;
  journeyId: string;
  contacts: [string, string];
  submissions: [string, string, string];
}

/** Every event at one time (`at`, epoch ms). */
export function pageFormStream(ids: PageFormIds, at = Date.now()): CairnEvent[] {
  const [c1, c2] = ids.contacts;
  const [s1, s2, s3] = ids.submissions;
  const base = { workspace_id: ids.workspaceId, event_time: at, message_id: '', email_id: '', email_version: 0 };
  const landing = {
    message_id: 'm1',
    email_id: ids.emailId,
    email_version: 1,
    journey_id: ids.journeyId,
    tile_id: 'mail',
  };
  const visit = (event_id: string, contact_id: string, visitor_id: string, more: object = {}): CairnEvent => ({
    type: 'page_visited',
    data: { ...base, event_id, contact_id, visitor_id, page_id: ids.pageId, page_version: 1, ...more },
  });
  const submitted = (event_id: string, submission_id: string, contact_id: string, more: object): CairnEvent => ({
    type: 'form_submitted',
    data: {
      ...base,
      event_id,
      submission_id,
      contact_id,
      form_id: ids.formId,
      form_version: 1,
      page_id: ids.pageId,
      page_version: 1,
      contact_outcome: 'updated',
      lead_outcome: 'none',
      ...more,
    },
  });
  const lead = (event_id: string, origin: 'landing_page' | 'form' | 'tile' | 'api', more: object): CairnEvent => ({
    type: 'lead_generated',
    data: { ...base, event_id, contact_id: c1, lead_id: randomUUID(), origin, ...more },
  });
  const v3 = visit('v3', '', 'x', { country: 'FR' });
  const s1Event = submitted('s1', s1, c1, {
    ...landing,
    contact_outcome: 'created',
    lead_outcome: 'created',
    country: 'DE',
  });
  return [
    visit('v1', c1, 'a', { ...landing, country: 'DE' }),
    visit('v2', c1, 'b', { country: 'DE' }),
    v3,
    v3, // a replay: the same event id again
    visit('v4', '', 'y'),
    visit('v5', '', 'z', { country: 'DE', machine: true, machine_reason: 'scanner_ua' }),
    {
      type: 'page_visited',
      data: { ...base, event_id: 'v6', contact_id: '', visitor_id: 'q', page_id: ids.otherPageId },
    },
    s1Event,
    s1Event,
    submitted('s2', s2, c2, { lead_outcome: 'updated', country: 'FR' }),
    submitted('s3', s3, c2, { page_id: null, page_version: null, confirmation_pending: true }),
    // one lead of each origin: only those naming a message are Total generated leads of the email
    lead('l1', 'landing_page', landing),
    lead('l2', 'form', {}),
    lead('l3', 'tile', { journey_id: ids.journeyId, tile_id: 'lead' }),
    lead('l4', 'api', { message_id: 'm2', email_id: ids.emailId, email_version: 1 }),
    lead('l5', 'api', { email_id: ids.emailId, email_version: 1 }),
  ];
}

/** What the stream gives (docs/kpis.md#page-and-form-kpis). */
export const EXPECTED_PAGE = { visits: 4, uniqueVisitors: 3, submissions: 2, conversionRate: 2 / 3, machineVisits: 1 };
export const EXPECTED_PAGE_JOURNEY = {
  visits: 1,
  uniqueVisitors: 1,
  submissions: 1,
  conversionRate: 1,
  machineVisits: 0,
};
export const EXPECTED_FORM = {
  submissions: 3,
  contactsCreated: 1,
  contactsUpdated: 2,
  leadsCreated: 1,
  leadsUpdated: 1,
  confirmationPending: 1,
};
