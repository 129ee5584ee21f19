import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { SUMMER_TIME } from './dashboard-stream.fixture';

/*
 * Redirect URL clicks for the redirect URLs dashboard: a workspace of its own (no other dashboard lists a workspace by
 * redirect_clicked), one redirect URL with human clicks (one replayed), a machine click, and a second redirect URL.
 * What each panel must answer is written from the definitions (docs/kpis.md#redirect-url-kpis), never from running
 * the queries.
 */
const click = (
  eventId: string,
  redirectUrlId: string,
  minutes: number,
  hit: { country: string | null; device: string; machineReason?: string },
): CairnEvent => ({
  type: 'redirect_clicked',
  data: {
    ...{ event_id: eventId, event_time: SUMMER_TIME + minutes * 60_000, workspace_id: 'wsru', contact_id: '' },
    ...{ message_id: '', email_id: '', email_version: 0, redirect_url_id: redirectUrlId, url: 'https://shop.test/' },
    ...{ country: hit.country, user_agent_class: hit.device },
    ...{ machine: hit.machineReason !== undefined, machine_reason: hit.machineReason ?? null },
  },
});

export const redirectUrlsStream = (): CairnEvent[] => [
  click('rk1', 'ru1', 0, { country: 'NL', device: 'mobile' }),
  click('rk2', 'ru1', 1, { country: 'NL', device: 'desktop' }),
  click('rk2', 'ru1', 1, { country: 'NL', device: 'desktop' }), // a replay: counted once
  click('rk3', 'ru1', 2, { country: null, device: 'desktop' }),
  click('rk4', 'ru1', 3, { country: 'US', device: 'unknown', machineReason: 'head' }),
  click('rk5', 'ru2', 4, { country: 'DE', device: 'tablet' }),
];

export const REDIRECT_URLS_VARIABLES = { workspace_id: 'wsru', redirect_url_id: 'ru1' };

const row = (minute: number, client_country: string, device: string, machine = '') => ({
  time: `2026-04-01 10:0${minute}:00`, client_country, device, machine,
});

export const REDIRECT_URLS: Record<string, Record<string, string | number>[]> = {
  'variable workspace_id': [{ value: 'wsru', label: 'wsru' }],
  'variable redirect_url_id': [{ value: 'ru1', label: 'ru1' }, { value: 'ru2', label: 'ru2' }],
  Clicks: [{ Clicks: 4, 'Human clicks': 3, 'Machine clicks': 1 }],
  'Clicks over time': [{ time: '2026-04-01 00:00:00', human_clicks: 3, machine_clicks: 1 }],
  'Clicks by country (human)': [{ country: 'NL', human_clicks: 2 }, { country: '(unknown)', human_clicks: 1 }],
  Timeline: [row(3, 'US', 'unknown', 'head'), row(2, '', 'desktop'), row(1, 'NL', 'desktop'), row(0, 'NL', 'mobile')],
};
