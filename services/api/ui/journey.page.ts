import { apiGet, rangeQuery } from './api-client';
import type { JourneyRow, JourneyTile, TileKpis } from './api-types';
import { h, svg, table } from './dom';
import { formatCount, formatPercent } from './format';
import {
  journeyTotals,
  layoutJourney,
  pathShares,
  type JourneyLayout,
  type PlacedEdge,
  type PlacedTile,
} from './journey-layout';
import { controlsPanel } from './journey-controls.panel';
import { goalPanel } from './journey-goal.panel';
import { abTestPanel } from './journey-ab.panel';
import { sendTimePanel } from './journey-send-time.panel';
import { describeTile, loadTileReferences, TILE_TYPES } from './journey-tiles';
import { pageTitle, rangeFilter, section, statusBadge, type Shell } from './page-shell';
import { tileContactsHref, TILE_CONTACT_STATES } from './tile-contacts.page';

/**
 * A journey's insights as journey designers draw them (docs/kpis.md#journey-tile-kpis): the tile graph, each tile with
 * its Volume KPIs (inflow, processing, blocked, failed, processed: contacts per iteration) and each trigger or
 * splitter path with its share of contacts. Numbers: GET /v1/insights/journeys/{id}/tiles; layout: dagre.
 */

const SIZES = { tileWidth: 204, tileHeight: 128, labelWidth: 136, labelHeight: 24 };

/** D365 shows inflow, blocked and failed above each tile; processing and processed are the rest of its Volume. */
const VOLUME = [
  { field: 'inflow', label: 'Inflow' },
  { field: 'blocked', label: 'Blocked' },
  { field: 'failed', label: 'Failed' },
  { field: 'processing', label: 'Processing' },
  { field: 'processed', label: 'Processed' },
] as const;

function tileCard(placed: PlacedTile, description: string): HTMLElement {
  const { tile, kpis } = placed;
  const kind = TILE_TYPES[tile.type] ?? { label: tile.type, glyph: '•' };
  const card = h(
    'div',
    { class: `tile tile-${tile.type}`, 'data-tile-id': tile.id, 'data-tile-type': tile.type },
    h(
      'div',
      { class: 'tile-head' },
      h('span', { class: 'glyph', 'aria-hidden': 'true' }, kind.glyph),
      h('span', { class: 'tile-type' }, kind.label),
      h('span', { class: 'tile-id' }, tile.id),
    ),
    h('div', { class: 'tile-desc', title: description }, description || '\u00a0'),
    h(
      'dl',
      { class: 'volume' },
      ...VOLUME.map((v) =>
        h(
          'div',
          { class: `v-${v.field}` },
          h('dt', {}, v.label),
          h(
            'dd',
            { 'data-kpi': v.field, 'data-value': kpis[v.field], class: kpis[v.field] === 0 ? 'zero' : undefined },
            formatCount(kpis[v.field]),
          ),
        ),
      ),
    ),
  );
  card.style.left = `${placed.x}px`;
  card.style.top = `${placed.y}px`;
  card.style.width = `${SIZES.tileWidth}px`;
  card.style.height = `${SIZES.tileHeight}px`;
  return card;
}

const pathName = (type: string, pathId: string): string =>
  type === 'trigger' ? (pathId === 'true' ? 'Condition met' : 'Not met') : `To ${pathId}`;

function pathLabel(edge: PlacedEdge, type: string): HTMLElement | null {
  if (!edge.path) return null;
  const { pathId, contacts, share, labelAt } = edge.path;
  const label = h(
    'div',
    {
      class: `path-label path-${pathId}`,
      'data-path': `${edge.from}:${pathId}`,
      'data-contacts': contacts,
      'data-share': share,
    },
    h('strong', {}, pathName(type, pathId)),
    ` ${formatCount(contacts)} · ${formatPercent(share)}`,
  );
  label.style.left = `${labelAt.x - SIZES.labelWidth / 2}px`;
  label.style.top = `${labelAt.y - SIZES.labelHeight / 2}px`;
  label.style.width = `${SIZES.labelWidth}px`;
  return label;
}

function edgeLayer(layout: JourneyLayout): SVGSVGElement {
  const layer = svg('svg', { class: 'edges', width: layout.width, height: layout.height, 'aria-hidden': 'true' });
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }));
  const defs = svg('defs');
  defs.append(marker);
  layer.append(defs);
  for (const edge of layout.edges) {
    const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
    layer.append(
      svg('path', {
        d,
        class: edge.path ? `edge edge-${edge.path.pathId}` : 'edge',
        'marker-end': 'url(#arrow)',
        'data-edge': `${edge.from}>${edge.to}`,
      }),
    );
  }
  return layer;
}

function graphView(
  layout: JourneyLayout,
  describe: (tile: JourneyTile) => string,
): { element: HTMLElement; fit: () => void } {
  const typeOf = new Map(layout.tiles.map((t) => [t.tile.id, t.tile.type]));
  const canvas = h(
    'div',
    { class: 'graph', 'data-graph': '' },
    edgeLayer(layout),
    ...layout.tiles.map((t) => tileCard(t, describe(t.tile))),
    ...layout.edges.map((e) => pathLabel(e, typeOf.get(e.from) ?? '')),
  );
  canvas.style.width = `${layout.width}px`;
  canvas.style.height = `${layout.height}px`;
  const viewport = h('div', { class: 'graph-viewport' }, canvas);
  // A wide journey is zoomed out to the page's width (down to 60 %), then scrolls.
  const fit = () => {
    const scale = Math.max(0.6, Math.min(1, (viewport.clientWidth - 2) / layout.width));
    canvas.style.transform = scale < 1 ? `scale(${scale.toFixed(3)})` : '';
    viewport.style.height = `${Math.ceil(layout.height * scale) + 2}px`;
  };
  return { element: viewport, fit };
}

const reasons = (byReason: Record<string, number>): string =>
  Object.entries(byReason)
    .map(([reason, n]) => `${reason.replace(/_/g, ' ')}: ${formatCount(n)}`)
    .join(', ');

/** A tile's number, linked to the contacts it counts (tile-contacts.page.ts). */
const contactsLink = (journeyId: string, tileId: string, state: string, value: number): HTMLElement =>
  h(
    'a',
    { href: tileContactsHref(journeyId, tileId, state), 'data-tile-contacts': `${tileId}:${state}` },
    formatCount(value),
  );

function tileTable(layout: JourneyLayout, journeyId: string): HTMLTableElement {
  return table(
    ['Tile', 'Type', 'Inflow', 'Processing', 'Blocked', 'Failed', 'Processed', 'Paths'],
    layout.tiles.map(({ tile, kpis }) => {
      const link = (state: (typeof TILE_CONTACT_STATES)[number]) =>
        contactsLink(journeyId, tile.id, state, kpis[state]);
      return {
        attributes: { 'data-tile-row': tile.id },
        cells: [
          tile.id,
          TILE_TYPES[tile.type]?.label ?? tile.type,
          link('inflow'),
          link('processing'),
          kpis.blocked > 0 ? h('span', {}, link('blocked'), ` (${reasons(kpis.blockedByReason)})`) : link('blocked'),
          link('failed'),
          link('processed'),
          [...pathShares(tile, kpis).values()]
            .map((p) => `${pathName(tile.type, p.pathId)}: ${formatCount(p.contacts)} (${formatPercent(p.share)})`)
            .join(', '),
        ],
      };
    }),
    { class: 'list compact', 'data-table': 'tiles' },
  );
}

/** The Data panel's email KPIs of each email tile (the messages that tile sent: docs/kpis.md#email-kpis-per-tile). */
function emailTileTable(layout: JourneyLayout): HTMLTableElement | null {
  const rows = layout.tiles.flatMap(({ tile, kpis }) => (kpis.email ? [{ tile, email: kpis.email }] : []));
  if (rows.length === 0) return null;
  return table(
    ['Tile', 'Sent', 'Delivered', 'Opened (unique)', 'Clicked (unique)', 'Bounced', 'Feedback loops', 'Unsubscribed'],
    rows.map(({ tile, email }) => ({
      attributes: { 'data-email-tile-row': tile.id },
      cells: [
        tile.id,
        ...[
          email.sent,
          email.delivered,
          email.openedUnique,
          email.clickedUnique,
          email.bouncedTotal,
          email.feedbackLoops,
          email.unsubscribed,
        ].map(formatCount),
      ],
    })),
    { class: 'list compact', 'data-table': 'email-tiles' },
  );
}

export async function renderJourneyPage(shell: Shell, id: string, search: URLSearchParams): Promise<void> {
  const [journey, tiles] = await Promise.all([
    apiGet<JourneyRow>(`/v1/journeys/${id}`),
    apiGet<{ items: TileKpis[] }>(`/v1/insights/journeys/${id}/tiles${rangeQuery(search)}`),
  ]);
  const graphTiles = journey.graph?.tiles ?? [];
  const refs = await loadTileReferences(graphTiles);
  const layout = layoutJourney(graphTiles, tiles.items, SIZES);
  const totals = journeyTotals(graphTiles, tiles.items);
  const graph = graphView(layout, (tile) => describeTile(tile, graphTiles, refs));
  document.title = `${journey.name} · Cairn insights`;
  const summary = h(
    'div',
    { class: 'kpi-grid totals' },
    ...[
      ['entered', 'Entered the journey'],
      ['finished', 'Reached an end'],
      ['processing', 'Processing'],
      ['blocked', 'Blocked'],
      ['failed', 'Failed'],
    ].map(([field, label]) =>
      h(
        'div',
        { class: 'kpi' },
        h('span', { class: 'kpi-label' }, label),
        h('span', { class: 'kpi-value', 'data-total': field }, formatCount(totals[field as keyof typeof totals])),
      ),
    ),
  );
  shell.main.replaceChildren(
    pageTitle(
      journey.name,
      `${graphTiles.length} tiles · time zone ${journey.settings?.time_zone ?? 'UTC'} · contacts per iteration`,
      statusBadge(journey.status),
    ),
    rangeFilter(search),
    section('Summary', summary),
    section(
      'Journey',
      h(
        'p',
        { class: 'muted' },
        'Each tile: contacts that entered it (inflow), were blocked (unsubscribed, suppression segment, consent below the minimum), failed, are still waiting there (processing) or went on (processed). Trigger and splitter paths show the share of contacts that took each.',
      ),
      graph.element,
    ),
    section(
      'Tiles',
      h('p', { class: 'muted' }, 'Each number links to the contacts it counts, and each contact to its timeline.'),
      tileTable(layout, id),
    ),
  );
  const emailTiles = emailTileTable(layout);
  if (emailTiles) shell.main.append(section('Email tiles', emailTiles));
  graph.fit();
  addEventListener('resize', graph.fit);
  const goal = await goalPanel(id, journey.settings);
  if (goal) shell.main.append(goal);
  const controls = await controlsPanel(id);
  if (controls) shell.main.append(controls);
  const abTests = await abTestPanel(id, graphTiles);
  if (abTests) shell.main.append(abTests);
  const sendTime = await sendTimePanel(id, graphTiles);
  if (sendTime) shell.main.append(sendTime);
}
