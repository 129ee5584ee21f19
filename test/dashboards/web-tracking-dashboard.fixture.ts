import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { SUMMER_TIME } from './dashboard-stream.fixture';

/*
 * Page views and link clicks of two websites for the website tracking dashboard, in a workspace of its own (no other
 * dashboard lists it), at one time in the dashboards' range. What each panel must answer is written from the
 * definitions (docs/kpis.md#website-kpis), never from running the queries.
 */
/** `ids` lets another test put the same stream in a workspace and website of its own (the /ui website page). */
export function webTrackingStream(ids = { workspaceId: 'wsweb', siteId: 'site1', otherSiteId: 'site2' }): CairnEvent[] {
  const base = { workspace_id: ids.workspaceId, event_time: SUMMER_TIME, message_id: '', email_id: '', email_version: 0 };
  const known = { contact_id: 'wc1', message_id: 'wm1', email_id: 'wg1', email_version: 1, country: 'SE' };
  const view = (event_id: string, path: string, visitor: string, more: object = {}): CairnEvent => ({
    type: 'web_page_viewed',
    data: {
      ...{ ...base, contact_id: '', event_id, website_id: ids.siteId, url: path, page_path: path },
      ...{ visitor_id: visitor, view_id: visitor },
      ...more,
    },
  });
  return [
    view('v1', '/spring', 'a', { ...known, title: 'Spring' }),
    view('v1', '/spring', 'a', { ...known, title: 'Spring' }),
    view('v2', '/', 'a2', known),
    view('v3', '/spring', 'b', { country: 'DE' }),
    view('v4', '/spring', 'c'),
    view('v5', '/', 'd', { machine: true, machine_reason: 'scanner_ua' }),
    view('v6', '/', 'e', { website_id: ids.otherSiteId }),
    {
      type: 'web_link_clicked',
      data: {
        ...{ ...base, contact_id: '', event_id: 'k1', website_id: ids.siteId, url: 'https://partner.example/x' },
        ...{ page_path: '/spring', visitor_id: 'b', view_id: 'b' },
      },
    },
  ];
}

export const WEB_TRACKING_VARIABLES = { workspace_id: 'wsweb', website_id: 'site1' };

const AT = '2026-04-01 10:00:00';
const load = (page: string, title: string, contact: string, country: string, message: string) => ({
  time: AT, page, title, contact, client_country: country, message,
});

export const WEB_TRACKING: Record<string, Record<string, string | number>[]> = {
  'variable workspace_id': [{ value: 'wsweb', label: 'wsweb' }],
  'variable website_id': [{ value: 'site1', label: 'site1' }, { value: 'site2', label: 'site2' }],
  // v1 (replayed: once), v2 of the known contact wc1, v3 and v4 anonymous; v5 machine; v6 another website's
  Website: [{ 'Page loads': 4, 'Unique visitors': 3, 'Known visitors': 1, 'Link clicks': 1, 'Machine hits': 1 }],
  'Page loads over time (human)': [{ time: '2026-04-01 00:00:00', page_loads: 4, unique_visitors: 3 }],
  'Most popular pages (human)': [
    { page: '/spring', page_loads: 3, unique_visitors: 3 }, { page: '/', page_loads: 1, unique_visitors: 1 },
  ],
  'Visitors by country (human)': [
    { country: 'SE', page_loads: 2, unique_visitors: 1 }, { country: '(unknown)', page_loads: 1, unique_visitors: 1 }, { country: 'DE', page_loads: 1, unique_visitors: 1 },
  ],
  'Latest page loads': [
    load('/spring', 'Spring', 'wc1', 'SE', 'wm1'), load('/', '', 'wc1', 'SE', 'wm1'), load('/spring', '', '', 'DE', ''), load('/spring', '', '', '', ''),
  ],
};
