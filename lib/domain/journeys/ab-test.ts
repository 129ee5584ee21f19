import { keyedFraction } from './holdout';
import type { JourneyGraph, JourneyIssue, JourneySettings, Tile } from './journey-graph';

// An A/B test tile (docs/scheduler.md#ab-test): its config, its go-live check, and where a contact falls in its split.
// The statistics of its decision are ab-stats.ts.

export const AB_METRICS = ['unique_opens', 'unique_clicks', 'goal'] as const;
export type AbMetric = (typeof AB_METRICS)[number];
export const AB_FALLBACKS = ['best_observed', 'first_variant'] as const;
export type AbFallback = (typeof AB_FALLBACKS)[number];

export interface AbVariant {
  /** a live email of the workspace: it carries the variant's subject, content and sender name */
  email_id: string;
  label: string;
}

export interface AbTestConfig {
  variants: AbVariant[];
  /** the share of the tile's inflow in the test, 0.1–0.9; the rest waits for the winner */
  test_share: number;
  metric: AbMetric;
  /** the test window, from the first contact to reach the tile in an iteration */
  duration_hours: number;
  /** sends per variant before significance may decide */
  min_sample: number;
  /**
   * minutes a send must have had for its recipient to act before significance counts it (0–1440): a variant
   * whose mail went out a little later would otherwise lose on opens that have not happened yet
   */
  settle_minutes: number;
  /** e.g. 0.95: the test decides when every Bonferroni-adjusted p-value is below 1 − confidence */
  confidence: number;
  /** what picks the winner when the window ends without significance */
  fallback: AbFallback;
}

export const AB_DEFAULTS = {
  min_sample: 100,
  settle_minutes: 60,
  confidence: 0.95,
  fallback: 'best_observed',
} as const;

/** The reason shown for the contacts waiting at the tile for the decision (Processing: docs/kpis.md#ab-test). */
export const AB_WAITING_REASON = 'ab_waiting';

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
const isMetric = (value: unknown): value is AbMetric => AB_METRICS.some((metric) => metric === value);
const LABELS = ['A', 'B', 'C'];

/** The tile's config with defaults applied; the checks (abTestIssues, abTestShapeIssues) refused anything malformed. */
export function abConfigOf(tile: Tile): AbTestConfig {
  const c = tile.config ?? {};
  const variants: unknown[] = Array.isArray(c.variants) ? c.variants : [];
  return {
    variants: variants.map((v, i) => {
      const o = recordOf(v);
      return { email_id: String(o.email_id ?? ''), label: typeof o.label === 'string' ? o.label : (LABELS[i] ?? '') };
    }),
    test_share: Number(c.test_share),
    metric: isMetric(c.metric) ? c.metric : 'unique_opens',
    duration_hours: Number(c.duration_hours),
    min_sample: typeof c.min_sample === 'number' ? c.min_sample : AB_DEFAULTS.min_sample,
    settle_minutes: typeof c.settle_minutes === 'number' ? c.settle_minutes : AB_DEFAULTS.settle_minutes,
    confidence: typeof c.confidence === 'number' ? c.confidence : AB_DEFAULTS.confidence,
    fallback: c.fallback === 'first_variant' ? 'first_variant' : AB_DEFAULTS.fallback,
  };
}

/**
 * Where the contact falls: in the test (a variant, the in-test share split evenly) or waiting for the winner
 * (null). Keyed by (journey, tile, contact), so it is the same after a restart, on every replica and in every
 * iteration, and independent of the holdout's and the splitter's draws.
 */
export function abVariantOf(config: AbTestConfig, journeyId: string, tileId: string, contactId: string): number | null {
  const f = keyedFraction('ab_test', journeyId.toLowerCase(), tileId, contactId.toLowerCase());
  if (!(f < config.test_share)) return null;
  return Math.min(config.variants.length - 1, Math.floor((f / config.test_share) * config.variants.length));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const between = (x: unknown, low: number, high: number): boolean => typeof x === 'number' && x >= low && x <= high;

/** emailStatus null: the shape only (when the journey is saved; its emails may go live later). */
function variantIssues(
  at: (f: string, m: string) => JourneyIssue,
  config: Record<string, unknown>,
  emailStatus: ReadonlyMap<string, string> | null,
): JourneyIssue[] {
  const variants = config.variants;
  if (!Array.isArray(variants) || variants.length < 2 || variants.length > 3)
    return [at('variants', 'needs two or three variants, each {email_id, label}')];
  return variants.flatMap((v: unknown, i): JourneyIssue[] => {
    const o = recordOf(v);
    const id = o.email_id;
    if (typeof id !== 'string' || !UUID.test(id)) return [at(`variants[${i}].email_id`, 'is required (an email id)')];
    const status = emailStatus === null ? 'live' : emailStatus.get(id);
    if (status === undefined) return [at(`variants[${i}].email_id`, `email ${id} does not exist`)];
    if (status !== 'live') return [at(`variants[${i}].email_id`, `email ${id} is ${status}; make it live first`)];
    if (o.label !== undefined && (typeof o.label !== 'string' || o.label.length === 0 || o.label.length > 64))
      return [at(`variants[${i}].label`, 'a label is 1–64 characters')];
    return variants.findIndex((w: unknown) => recordOf(w).email_id === id) < i
      ? [at(`variants[${i}].email_id`, 'each variant sends a different email')]
      : [];
  });
}

function tileIssues(
  tile: Tile,
  settings: Pick<JourneySettings, 'goal'> | null,
  emailStatus: ReadonlyMap<string, string> | null,
): JourneyIssue[] {
  const config = tile.config ?? {};
  const at = (field: string, message: string): JourneyIssue => ({
    field: `graph.tiles.${tile.id}.config.${field}`,
    message: `tile "${tile.id}" (ab_test): ${field} ${message}`,
  });
  const issues = variantIssues(at, config, emailStatus);
  if (!between(config.test_share, 0.1, 0.9)) issues.push(at('test_share', 'must be between 0.1 and 0.9'));
  if (!isMetric(config.metric)) issues.push(at('metric', `must be one of ${AB_METRICS.join(', ')}`));
  else if (config.metric === 'goal' && settings !== null && settings.goal == null)
    issues.push(at('metric', 'goal needs the journey goal (settings.goal)'));
  if (!between(config.duration_hours, 1, 24 * 90)) issues.push(at('duration_hours', 'must be from 1 to 2160 hours'));
  if (config.min_sample !== undefined && !(Number.isInteger(config.min_sample) && between(config.min_sample, 1, 1e6)))
    issues.push(at('min_sample', 'must be a whole number from 1 to 1000000'));
  if (
    config.settle_minutes !== undefined &&
    !(Number.isInteger(config.settle_minutes) && between(config.settle_minutes, 0, 1440))
  )
    issues.push(at('settle_minutes', 'must be a whole number from 0 to 1440'));
  if (config.confidence !== undefined && !between(config.confidence, 0.8, 0.999))
    issues.push(at('confidence', 'must be from 0.8 to 0.999'));
  if (config.fallback !== undefined && !AB_FALLBACKS.some((f) => f === config.fallback))
    issues.push(at('fallback', `must be one of ${AB_FALLBACKS.join(', ')}`));
  if ((tile.next ?? []).length > 1)
    issues.push({
      field: `graph.tiles.${tile.id}.next`,
      message: `tile "${tile.id}" (ab_test): at most one next tile`,
    });
  return issues;
}

/** The go-live check of the journey's A/B test tiles (docs/api.md#ab-test-tile); emailStatus: the workspace's emails by id. */
export function abTestIssues(
  graph: JourneyGraph,
  settings: Pick<JourneySettings, 'goal'>,
  emailStatus: ReadonlyMap<string, string>,
): JourneyIssue[] {
  return graph.tiles.flatMap((tile) => (tile.type === 'ab_test' ? tileIssues(tile, settings, emailStatus) : []));
}

/**
 * The shape of the graph's A/B test tiles, checked when the journey is saved: the fields and their ranges, not yet
 * whether the emails are live or the journey has a goal (the error check's, at go-live).
 */
export function abTestShapeIssues(graph: unknown): JourneyIssue[] {
  if (typeof graph !== 'object' || graph === null || !('tiles' in graph) || !Array.isArray(graph.tiles)) return [];
  return graph.tiles.flatMap((t: unknown) => {
    const tile = abTileOf(t);
    return tile ? tileIssues(tile, null, null) : [];
  });
}

/** An A/B test tile of a graph as written (not yet read back from a stored journey), or null for another tile. */
function abTileOf(t: unknown): Tile | null {
  if (typeof t !== 'object' || t === null || !('type' in t) || t.type !== 'ab_test') return null;
  if (!('id' in t) || typeof t.id !== 'string') return null;
  const next = 'next' in t && Array.isArray(t.next) ? t.next.map(String) : [];
  const config = 'config' in t && typeof t.config === 'object' && t.config !== null ? { ...t.config } : {};
  return { id: t.id, type: 'ab_test', next, config };
}

/** The email ids the graph's A/B test tiles name (for loading their status). */
export const abEmailIds = (graph: JourneyGraph): string[] =>
  graph.tiles.flatMap((tile) => (tile.type === 'ab_test' ? abConfigOf(tile).variants.map((v) => v.email_id) : []));
