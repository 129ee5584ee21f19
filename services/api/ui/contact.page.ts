import { apiGet, rangeQuery } from './api-client';
import type { ContactRow, ContactTimeline, TimelineEntry } from './api-types';
import { countsChart } from './charts';
import { h, table } from './dom';
import { formatCount } from './format';
import { pageTitle, rangeFilter, section, type Shell } from './page-shell';

/**
 * A contact's insights (docs/api.md#insights-pages-ui): every interaction, newest first, and the interactions by
 * type, from GET /v1/insights/contacts/{id}/timeline (at most TIMELINE_LIMIT entries; the counts by type cover the
 * whole range). Reached from a journey tile's contacts.
 */
const TIMELINE_LIMIT = 1000;

const contactName = (c: ContactRow): string => [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email || c.id;

function what(entry: TimelineEntry): string {
  const parts = [entry.url, entry.reason].filter(Boolean);
  if (entry.tileId) parts.unshift(`tile ${entry.tileId}`);
  return parts.join(' · ');
}

function entriesTable(entries: TimelineEntry[]): HTMLTableElement {
  return table(
    ['Time (UTC)', 'Interaction', 'Email', 'Details', 'Traffic'],
    entries.map((e) => ({
      attributes: { 'data-event-id': e.eventId, 'data-event-type': e.eventType },
      cells: [
        e.eventTime,
        e.eventType.replace(/_/g, ' '),
        e.emailId ? h('a', { href: `/ui/emails/${e.emailId}` }, `version ${e.emailVersion}`) : '',
        what(e),
        e.machine ? 'machine' : 'human',
      ],
    })),
    { class: 'list compact', 'data-table': 'timeline' },
  );
}

export async function renderContactPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const range = rangeQuery(search);
  const [contact, timeline] = await Promise.all([
    apiGet<ContactRow>(`/v1/contacts/${id}`),
    apiGet<ContactTimeline>(`/v1/insights/contacts/${id}/timeline${range}${range ? '&' : '?'}limit=${TIMELINE_LIMIT}`),
  ]);
  const byType = Object.entries(timeline.byType).sort(([a], [b]) => a.localeCompare(b));
  const total = byType.reduce((sum, [, n]) => sum + n, 0);
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Interactions by type' });
  document.title = `${contactName(contact)} · Cairn insights`;
  shell.main.replaceChildren(
    pageTitle(contactName(contact), `${formatCount(total)} interactions · contact ${contact.id}`),
    rangeFilter(search),
    section(
      'Interactions by type',
      total === 0
        ? h('p', { class: 'muted' }, 'No interactions in this period.')
        : h('div', { class: 'chart by-type' }, canvas),
      table(
        ['Interaction', 'Events'],
        byType.map(([type, n]) => ({
          attributes: { 'data-by-type': type },
          cells: [type.replace(/_/g, ' '), formatCount(n)],
        })),
        { class: 'compact' },
      ),
    ),
    section(
      'Timeline',
      timeline.entries.length >= TIMELINE_LIMIT
        ? h('p', { class: 'muted' }, `The newest ${formatCount(TIMELINE_LIMIT)}; narrow the days to see older ones.`)
        : null,
      entriesTable(timeline.entries),
    ),
  );
  if (total > 0)
    countsChart(
      canvas,
      byType.map(([type]) => type.replace(/_/g, ' ')),
      byType.map(([, n]) => n),
    );
}
