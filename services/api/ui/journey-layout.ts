import { Graph, layout } from '@dagrejs/dagre';
import type { JourneyTile, TileKpis } from './api-types';
import { ownValue } from '../../../lib/platform/own-property';
import { shareOf } from './format';

/**
 * The journey's tile graph laid out by dagre (left to right, as the journey designer draws it), with each tile's
 * Volume KPIs and the share of contacts on each path of its trigger and splitter tiles. DOM-free: the page
 * draws the result, unit tests check it.
 */

export interface Point {
  x: number;
  y: number;
}

export interface PlacedTile {
  tile: JourneyTile;
  kpis: TileKpis;
  /** top-left corner */
  x: number;
  y: number;
}

export interface PathShare {
  /** the path id in tile_path_taken events: "true"/"false" for a trigger, the next tile's id for a splitter */
  pathId: string;
  contacts: number;
  /** contacts on this path ÷ contacts on every path of the tile */
  share: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  points: Point[];
  /** trigger and splitter edges: contacts that took the path, and where dagre put its label */
  path?: PathShare & { labelAt: Point };
}

export interface JourneyLayout {
  width: number;
  height: number;
  tiles: PlacedTile[];
  edges: PlacedEdge[];
}

export interface LayoutSizes {
  tileWidth: number;
  tileHeight: number;
  labelWidth: number;
  labelHeight: number;
}

export const emptyTileKpis = (tile: JourneyTile): TileKpis => ({
  tileId: tile.id,
  tileType: tile.type,
  inflow: 0,
  processing: 0,
  blocked: 0,
  blockedByReason: {},
  failed: 0,
  processed: 0,
  paths: {},
});

/** The path id the journey engine records when a contact goes from `tile` to its `index`-th next tile. */
export function pathIdOf(tile: JourneyTile, index: number): string | undefined {
  const next = tile.next ?? [];
  if (tile.type === 'trigger') return index === 0 ? 'true' : index === 1 ? 'false' : undefined;
  if (tile.type === 'splitter') return next[index];
  return undefined;
}

/** Share of contacts per path of a trigger or splitter tile, keyed by the next tile's index; empty for others. */
export function pathShares(tile: JourneyTile, kpis: TileKpis): Map<number, PathShare> {
  const shares = new Map<number, PathShare>();
  const total = Object.values(kpis.paths).reduce((sum, n) => sum + n, 0);
  (tile.next ?? []).forEach((_to, index) => {
    const pathId = pathIdOf(tile, index);
    if (pathId === undefined) return;
    // path ids are tile ids: a splitter path to tile "constructor" must not read Object.prototype's
    const contacts = ownValue(kpis.paths, pathId) ?? 0;
    shares.set(index, { pathId, contacts, share: shareOf(contacts, total) });
  });
  return shares;
}

export function layoutJourney(tiles: JourneyTile[], kpis: TileKpis[], sizes: LayoutSizes): JourneyLayout {
  const byTile = new Map(kpis.map((k) => [k.tileId, k]));
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 56, edgesep: 16, marginx: 16, marginy: 16 });
  for (const tile of tiles) graph.setNode(tile.id, { width: sizes.tileWidth, height: sizes.tileHeight });
  const known = new Set(tiles.map((t) => t.id));
  const pending: Array<{ from: JourneyTile; to: string; name: string; share?: PathShare }> = [];
  for (const tile of tiles) {
    const shares = pathShares(tile, byTile.get(tile.id) ?? emptyTileKpis(tile));
    (tile.next ?? []).forEach((to, index) => {
      if (!known.has(to)) return;
      const share = shares.get(index);
      const name = `${index}`;
      graph.setEdge(
        tile.id,
        to,
        share ? { width: sizes.labelWidth, height: sizes.labelHeight, labelpos: 'c' } : {},
        name,
      );
      pending.push({ from: tile, to, name, share });
    });
  }
  layout(graph);
  const placed = tiles.map((tile) => {
    const node = graph.node(tile.id);
    return {
      tile,
      kpis: byTile.get(tile.id) ?? emptyTileKpis(tile),
      x: node.x - sizes.tileWidth / 2,
      y: node.y - sizes.tileHeight / 2,
    };
  });
  const edges = pending.map(({ from, to, name, share }) => {
    const edge = graph.edge({ v: from.id, w: to, name });
    const points = (edge.points ?? []).map((p: Point) => ({ x: p.x, y: p.y }));
    const placedEdge: PlacedEdge = { from: from.id, to, points };
    if (share) placedEdge.path = { ...share, labelAt: { x: edge.x ?? 0, y: edge.y ?? 0 } };
    return placedEdge;
  });
  const size = graph.graph();
  return { width: size.width ?? 0, height: size.height ?? 0, tiles: placed, edges };
}

export interface JourneyTotals {
  /** contacts that entered at the journey's segment tiles */
  entered: number;
  /** contacts processed by an end tile, or by a last tile without next tiles */
  finished: number;
  processing: number;
  blocked: number;
  failed: number;
}

/** The journey's summary row: sums of the tile KPIs the API returned (contacts per iteration, like the tiles). */
export function journeyTotals(tiles: JourneyTile[], kpis: TileKpis[]): JourneyTotals {
  const byTile = new Map(kpis.map((k) => [k.tileId, k]));
  const totals: JourneyTotals = { entered: 0, finished: 0, processing: 0, blocked: 0, failed: 0 };
  for (const tile of tiles) {
    const k = byTile.get(tile.id);
    if (!k) continue;
    if (tile.type === 'segment' || tile.type === 'form') totals.entered += k.inflow; // the entry tiles
    if ((tile.next ?? []).length === 0) totals.finished += k.processed;
    totals.processing += k.processing;
    totals.blocked += k.blocked;
    totals.failed += k.failed;
  }
  return totals;
}
