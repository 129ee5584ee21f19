import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { pageFormStream } from '../api/page-form-stream.fixture';
import { SUMMER_TIME } from './dashboard-stream.fixture';

/*
 * The page and form stream of the insights test (test/api/page-form-stream.fixture.ts) for the pages-and-forms
 * dashboard: its own workspace (no other dashboard lists it) at one time in the dashboards' range, without its leads
 * (they would add an email to the email dashboards' lists). What each panel must answer is written from the
 * definitions (docs/kpis.md#page-and-form-kpis), never from running the queries.
 */
const IDS = {
  workspaceId: 'wspf',
  pageId: 'p1',
  otherPageId: 'p2',
  formId: 'f1',
  emailId: 'gpf',
  journeyId: 'jpf',
  contacts: ['pc1', 'pc2'] as [string, string],
  submissions: ['s-1', 's-2', 's-3'] as [string, string, string],
};

export const pagesFormsStream = (): CairnEvent[] =>
  pageFormStream(IDS, SUMMER_TIME).filter((event) => event.type !== 'lead_generated');

export const PAGES_FORMS_VARIABLES = { workspace_id: 'wspf', page_id: 'p1', journey_id: '', form_id: 'f1' };

const APRIL_1 = '2026-04-01 00:00:00';
const AT = '2026-04-01 10:00:00';
const submission = (id: string, contact: string, outcomes: [string, string], page: string, journey: string, country: string) => ({
  time: AT, submission_id: id, contact, contact_outcome: outcomes[0], lead_outcome: outcomes[1], page, journey, client_country: country,
});

export const PAGES_FORMS: Record<string, Record<string, string | number>[]> = {
  'variable workspace_id': [{ value: 'wspf', label: 'wspf' }],
  'variable page_id': [{ value: 'p1', label: 'p1' }, { value: 'p2', label: 'p2' }],
  'variable journey_id': [{ value: '', label: '(all journeys)' }, { value: 'jpf', label: 'jpf' }],
  'variable form_id': [{ value: 'f1', label: 'f1' }],
  // v1-v4 human (v3 replayed: once), v5 machine; visitors pc1 (v1, v2), x, y; s-1 and s-2 on the page (s-3 embedded)
  Page: [{ Visits: 4, 'Unique visitors': 3, Submissions: 2, 'Conversion rate': 2 / 3, 'Machine visits': 1 }],
  'Page visits over time (human)': [{ time: APRIL_1, visits: 4, unique_visitors: 3, submissions: 2 }],
  'Page visits by country (human)': [
    { country: 'DE', visits: 2, unique_visitors: 1 }, { country: '(unknown)', visits: 1, unique_visitors: 1 }, { country: 'FR', visits: 1, unique_visitors: 1 },
  ],
  Form: [{ Submissions: 3, 'Contacts created': 1, 'Contacts updated': 2, 'Leads created': 1, 'Leads updated': 1, 'Confirmation pending': 1 }],
  'Form submissions over time': [{ time: APRIL_1, submissions: 3, contacts_created: 1, contacts_updated: 2, leads_created: 1, leads_updated: 1 }],
  'Latest form submissions': [
    submission('s-1', 'pc1', ['created', 'created'], 'p1', 'jpf', 'DE'),
    submission('s-2', 'pc2', ['updated', 'updated'], 'p1', '', 'FR'),
    submission('s-3', 'pc2', ['updated', 'none'], '', '', ''),
  ],
};
