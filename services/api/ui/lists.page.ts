import { apiList } from './api-client';
import type { EmailRow, JourneyRow } from './api-types';
import { h, table } from './dom';
import { pageTitle, statusBadge, type Shell } from './page-shell';

const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');

export async function renderEmailList(shell: Shell): Promise<void> {
  const emails = await apiList<EmailRow>('/v1/emails');
  shell.main.replaceChildren(
    pageTitle(
      'Emails',
      `${emails.length} email${emails.length === 1 ? '' : 's'} in this workspace; insights are kept for emails that are or were live.`,
    ),
    table(
      ['Email', 'Subject', 'Status', 'Live version', 'Created'],
      emails.map((email) => ({
        attributes: { 'data-email-id': email.id },
        cells: [
          h('a', { href: `/ui/emails/${email.id}` }, email.name),
          email.draft?.subject ?? '',
          statusBadge(email.status),
          email.live_version ?? '—',
          day(email.created_at),
        ],
      })),
      { class: 'list', 'data-list': 'emails' },
    ),
  );
}

export async function renderJourneyList(shell: Shell): Promise<void> {
  const journeys = await apiList<JourneyRow>('/v1/journeys');
  shell.main.replaceChildren(
    pageTitle('Journeys', `${journeys.length} journey${journeys.length === 1 ? '' : 's'} in this workspace.`),
    table(
      ['Journey', 'Status', 'Tiles', 'Went live'],
      journeys.map((journey) => ({
        attributes: { 'data-journey-id': journey.id },
        cells: [
          h('a', { href: `/ui/journeys/${journey.id}` }, journey.name),
          statusBadge(journey.status),
          journey.graph?.tiles?.length ?? 0,
          day(journey.went_live_at),
        ],
      })),
      { class: 'list', 'data-list': 'journeys' },
    ),
  );
}
