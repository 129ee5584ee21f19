import { apiGet, rangeQuery } from './api-client';
import type { JourneyRow, TileContact } from './api-types';
import { h, table } from './dom';
import { formatCount } from './format';
import { TILE_TYPES } from './journey-tiles';
import { pageTitle, rangeFilter, section, type Shell } from './page-shell';

/**
 * The contacts behind one journey-tile number (docs/kpis.md#journey-tile-kpis), one row per contact and iteration,
 * from GET /v1/insights/journeys/{id}/tiles/{tileId}/contacts, a page of PAGE_SIZE at a time; each contact links to
 * its timeline (contact.page.ts).
 */
const PAGE_SIZE = 200;
export const TILE_CONTACT_STATES = ['inflow', 'processing', 'blocked', 'failed', 'processed'] as const;

export const tileContactsHref = (journeyId: string, tileId: string, state: string): string =>
  `/ui/journeys/${journeyId}/tiles/${encodeURIComponent(tileId)}?state=${state}`;

function stateOf(search: URLSearchParams): string {
  const state = search.get('state') ?? 'inflow';
  return (TILE_CONTACT_STATES as readonly string[]).includes(state) ? state : 'inflow';
}

function contactsQuery(search: URLSearchParams, state: string): string {
  const query = new URLSearchParams(rangeQuery(search));
  query.set('state', state);
  query.set('limit', String(PAGE_SIZE));
  const cursor = search.get('cursor');
  if (cursor) query.set('cursor', cursor);
  return query.toString();
}

export async function renderTileContactsPage(
  shell: Shell,
  journeyId: string,
  search: URLSearchParams,
  tileId: string,
): Promise<void> {
  const state = stateOf(search);
  const base = `/v1/insights/journeys/${journeyId}/tiles/${encodeURIComponent(tileId)}/contacts`;
  const [journey, page] = await Promise.all([
    apiGet<JourneyRow>(`/v1/journeys/${journeyId}`),
    apiGet<{ items: TileContact[]; next_cursor: string | null }>(`${base}?${contactsQuery(search, state)}`),
  ]);
  const tile = journey.graph?.tiles?.find((t) => t.id === tileId);
  const kind = tile ? (TILE_TYPES[tile.type]?.label ?? tile.type) : 'Tile';
  document.title = `${tileId} · ${journey.name} · Cairn insights`;
  const next = new URLSearchParams(search);
  if (page.next_cursor) next.set('cursor', page.next_cursor);
  shell.main.replaceChildren(
    pageTitle(`${kind} ${tileId}: ${state}`, h('a', { href: `/ui/journeys/${journeyId}` }, journey.name)),
    rangeFilter(search),
    h(
      'nav',
      { class: 'states' },
      ...TILE_CONTACT_STATES.map((s) =>
        h('a', { href: tileContactsHref(journeyId, tileId, s), class: s === state ? 'active' : undefined }, s),
      ),
    ),
    section(
      'Contacts',
      h('p', { class: 'muted' }, `${formatCount(page.items.length)} contacts (per iteration) on this page.`),
      table(
        ['Contact', 'Iteration', 'At (UTC)', 'Details'],
        page.items.map((c) => ({
          attributes: { 'data-contact-id': c.contactId, 'data-iteration': c.iteration },
          cells: [
            h('a', { href: `/ui/contacts/${c.contactId}` }, c.contactId),
            c.iteration,
            c.at,
            c.details.join(', '),
          ],
        })),
        { class: 'list compact', 'data-table': 'tile-contacts' },
      ),
      page.next_cursor ? h('a', { href: `?${next.toString()}`, 'data-next-page': '' }, 'Next page') : null,
    ),
  );
}
