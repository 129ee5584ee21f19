import type { JourneyTile, TileKpis } from './api-types';
import { emptyTileKpis, journeyTotals, layoutJourney, pathShares } from './journey-layout';

const SIZES = { tileWidth: 200, tileHeight: 100, labelWidth: 120, labelHeight: 20 };

/** The white-paper journey (docs/scheduler.md#example-the-white-paper-journey). */
const TILES: JourneyTile[] = [
  { id: 'ny', type: 'segment', next: ['paper'] },
  { id: 'paper', type: 'email', next: ['clicked'] },
  { id: 'clicked', type: 'trigger', next: ['lead', 'remind'] },
  { id: 'lead', type: 'create_lead', next: ['nurture'] },
  { id: 'nurture', type: 'email', next: ['done_true'] },
  { id: 'done_true', type: 'end' },
  { id: 'remind', type: 'email', next: ['done_false'] },
  { id: 'done_false', type: 'end' },
];

const kpis = (tileId: string, fields: Partial<TileKpis>): TileKpis => ({
  ...emptyTileKpis({ id: tileId, type: 'end' }),
  ...fields,
});

describe('journey layout', () => {
  it('places every tile without overlaps, left to right, with an edge per next tile', () => {
    const layout = layoutJourney(TILES, [], SIZES);
    expect(layout.tiles.map((t) => t.tile.id)).toEqual(TILES.map((t) => t.id));
    for (const a of layout.tiles)
      for (const b of layout.tiles) {
        if (a === b) continue;
        const apart =
          a.x + SIZES.tileWidth <= b.x ||
          b.x + SIZES.tileWidth <= a.x ||
          a.y + SIZES.tileHeight <= b.y ||
          b.y + SIZES.tileHeight <= a.y;
        expect(apart).toBe(true);
      }
    const x = (id: string) => layout.tiles.find((t) => t.tile.id === id)?.x ?? NaN;
    expect(x('ny')).toBeLessThan(x('paper'));
    expect(x('clicked')).toBeLessThan(x('lead'));
    expect(layout.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(
      TILES.flatMap((t) => (t.next ?? []).map((n) => `${t.id}>${n}`)).sort(),
    );
    for (const edge of layout.edges) expect(edge.points.length).toBeGreaterThanOrEqual(2);
    const right = Math.max(...layout.tiles.map((t) => t.x + SIZES.tileWidth));
    expect(layout.width).toBeGreaterThanOrEqual(right);
  });

  it('gives tiles without KPIs zeros and keeps the KPIs of the others', () => {
    const layout = layoutJourney(TILES, [kpis('paper', { inflow: 40, processed: 38, failed: 2 })], SIZES);
    expect(layout.tiles.find((t) => t.tile.id === 'paper')?.kpis).toMatchObject({
      inflow: 40,
      processed: 38,
      failed: 2,
    });
    expect(layout.tiles.find((t) => t.tile.id === 'remind')?.kpis).toMatchObject({
      tileId: 'remind',
      inflow: 0,
      processing: 0,
      blocked: 0,
      failed: 0,
      processed: 0,
    });
  });

  it('labels a trigger’s paths (true = first next tile) with their share of the contacts on any path', () => {
    const layout = layoutJourney(
      TILES,
      [kpis('clicked', { inflow: 40, processed: 40, paths: { true: 12, false: 28 } })],
      SIZES,
    );
    const labels = layout.edges.filter((e) => e.path).map((e) => ({ to: e.to, ...e.path, labelAt: undefined }));
    expect(labels).toEqual([
      { to: 'lead', pathId: 'true', contacts: 12, share: 0.3, labelAt: undefined },
      { to: 'remind', pathId: 'false', contacts: 28, share: 0.7, labelAt: undefined },
    ]);
    const trueEdge = layout.edges.find((e) => e.path?.pathId === 'true');
    expect(Number.isFinite(trueEdge?.path?.labelAt.x)).toBe(true);
  });

  it('keys a splitter’s paths by the next tile, and an empty tile has 0 % on each', () => {
    const splitter: JourneyTile = { id: 's', type: 'splitter', next: ['a', 'b', 'c'] };
    expect([...pathShares(splitter, kpis('s', { paths: { a: 1, b: 3 } })).values()]).toEqual([
      { pathId: 'a', contacts: 1, share: 0.25 },
      { pathId: 'b', contacts: 3, share: 0.75 },
      { pathId: 'c', contacts: 0, share: 0 },
    ]);
    expect([...pathShares(splitter, kpis('s', {})).values()].map((p) => p.share)).toEqual([0, 0, 0]);
    expect(pathShares(TILES[1] as JourneyTile, kpis('paper', { paths: {} })).size).toBe(0);
  });

  it('reads only own path counts: splitter paths to tiles named constructor or toString start at 0 (issue 20 defect 10)', () => {
    const splitter: JourneyTile = { id: 's', type: 'splitter', next: ['constructor', 'toString'] };
    expect([...pathShares(splitter, kpis('s', {})).values()]).toEqual([
      { pathId: 'constructor', contacts: 0, share: 0 },
      { pathId: 'toString', contacts: 0, share: 0 },
    ]);
  });

  it('sums the journey: entered at segment tiles, finished at last tiles', () => {
    const totals = journeyTotals(TILES, [
      kpis('ny', { inflow: 40, processed: 40 }),
      kpis('clicked', { inflow: 40, processing: 5, blocked: 2, processed: 33 }),
      kpis('done_true', { inflow: 12, processed: 12 }),
      kpis('done_false', { inflow: 21, processed: 21, failed: 1 }),
    ]);
    expect(totals).toEqual({ entered: 40, finished: 33, processing: 5, blocked: 2, failed: 1 });
  });
});
