/**
 * Lead scoring models (docs/lead-scoring.md): the definition a model's draft holds and go-live freezes, its check
 * (each problem names its place, e.g. definition.rules[2].points), which events a rule scores, and the decay.
 * Pure: the API checks definitions with it, the scheduler scores with it.
 */

/** The email-topic events a rule can score (machine traffic never scores). */
export const SCORING_EVENTS = [
  'open',
  'click',
  'forward',
  'subscription_submitted',
  'reply',
  'form_submitted',
  'page_visited',
  'lead_generated',
] as const;
export type ScoringEvent = (typeof SCORING_EVENTS)[number];

/** Points for each event of a kind, optionally only for one email, link, form or page, at most N times per contact. */
export interface EventRule {
  on: ScoringEvent;
  points: number;
  email_id?: string;
  link_id?: string;
  form_id?: string;
  page_id?: string;
  max_per_contact?: number;
}

/** Points once per contact, when it is first scored, if a contact attribute equals a value or is one of several. */
export interface AttributeRule {
  attribute: string;
  equals?: AttributeValue;
  in?: AttributeValue[];
  points: number;
}
export type AttributeValue = string | number | boolean;
export type ScoringRule = EventRule | AttributeRule;

export interface ScoringDefinition {
  rules: ScoringRule[];
  /** the score halves every half_life_days; null: no decay */
  half_life_days: number | null;
  /** the sales-ready score: a contact crossing it emits lead_score_crossed (once per version) */
  threshold: number;
}

export const isAttributeRule = (rule: ScoringRule): rule is AttributeRule => 'attribute' in rule;

/** A new model's definition: no rules yet (go-live needs one), no decay, threshold 100. */
export const INITIAL_SCORING_DEFINITION: ScoringDefinition = { rules: [], half_life_days: null, threshold: 100 };

export const MAX_RULES = 100;
export const MAX_POINTS = 10_000;
export const MAX_THRESHOLD = 1_000_000;
const MAX_HALF_LIFE_DAYS = 3650;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Which event each filter applies to: a filter on another event could never match, so it is refused. */
const FILTER_EVENTS: Record<'email_id' | 'link_id' | 'form_id' | 'page_id', readonly ScoringEvent[]> = {
  email_id: ['open', 'click', 'forward', 'subscription_submitted', 'reply'],
  link_id: ['click'],
  form_id: ['form_submitted'],
  page_id: ['page_visited', 'form_submitted'],
};

export interface ScoringIssue {
  field: string;
  message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isValue = (value: unknown): value is AttributeValue =>
  (typeof value === 'string' && value.length <= 500) ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  typeof value === 'boolean';

function pointsIssue(points: unknown): string | null {
  if (typeof points !== 'number' || !Number.isFinite(points) || points === 0 || Math.abs(points) > MAX_POINTS)
    return `must be a non-zero number between -${MAX_POINTS} and ${MAX_POINTS}`;
  return null;
}

function eventRuleIssues(rule: Record<string, unknown>, at: (field: string) => string): ScoringIssue[] {
  const issues: ScoringIssue[] = [];
  const on = rule.on;
  if (!(SCORING_EVENTS as readonly unknown[]).includes(on))
    issues.push({ field: at('on'), message: `must be one of ${SCORING_EVENTS.join(', ')}` });
  for (const [filter, events] of Object.entries(FILTER_EVENTS)) {
    const value = rule[filter];
    if (value === undefined) continue;
    const shape =
      filter === 'link_id' ? typeof value === 'string' && /^[^\s]{1,200}$/.test(value) : UUID.test(String(value));
    if (typeof value !== 'string' || !shape)
      issues.push({ field: at(filter), message: filter === 'link_id' ? 'must be a link id' : 'must be a uuid' });
    else if (!events.includes(on as ScoringEvent))
      issues.push({ field: at(filter), message: `filters only ${events.join(', ')} events` });
  }
  const max = rule.max_per_contact;
  if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 10_000))
    issues.push({ field: at('max_per_contact'), message: 'must be an integer from 1 to 10000' });
  const known = new Set(['on', 'points', 'max_per_contact', ...Object.keys(FILTER_EVENTS)]);
  for (const key of Object.keys(rule))
    if (!known.has(key)) issues.push({ field: at(key), message: 'is not a field of an event rule' });
  return issues;
}

function attributeRuleIssues(rule: Record<string, unknown>, at: (field: string) => string): ScoringIssue[] {
  const issues: ScoringIssue[] = [];
  if (typeof rule.attribute !== 'string' || !ATTRIBUTE.test(rule.attribute))
    issues.push({ field: at('attribute'), message: 'must be an attribute name (letters, digits, _; up to 64)' });
  const hasEquals = rule.equals !== undefined;
  const hasIn = rule.in !== undefined;
  if (hasEquals === hasIn) issues.push({ field: at('equals'), message: 'an attribute rule has either equals or in' });
  if (hasEquals && !isValue(rule.equals))
    issues.push({ field: at('equals'), message: 'must be a string, number or boolean' });
  if (hasIn && (!Array.isArray(rule.in) || rule.in.length === 0 || rule.in.length > 100 || !rule.in.every(isValue)))
    issues.push({ field: at('in'), message: 'must be 1 to 100 strings, numbers or booleans' });
  for (const key of Object.keys(rule))
    if (!['attribute', 'equals', 'in', 'points'].includes(key))
      issues.push({ field: at(key), message: 'is not a field of an attribute rule' });
  return issues;
}

function ruleIssues(rule: unknown, index: number): ScoringIssue[] {
  const path = `definition.rules[${index}]`;
  if (!isRecord(rule)) return [{ field: path, message: 'must be an object' }];
  const at = (field: string): string => `${path}.${field}`;
  const points = pointsIssue(rule.points);
  const own = 'attribute' in rule ? attributeRuleIssues(rule, at) : eventRuleIssues(rule, at);
  return points === null ? own : [{ field: at('points'), message: points }, ...own];
}

/**
 * The problems of a definition, each naming its field. `live`: the go-live check, which also needs a rule; a
 * draft may have none yet.
 */
export function checkScoringDefinition(definition: unknown, live: boolean): ScoringIssue[] {
  if (!isRecord(definition)) return [{ field: 'definition', message: 'must be an object' }];
  const issues: ScoringIssue[] = [];
  const { rules, half_life_days: halfLife, threshold } = definition;
  if (!Array.isArray(rules) || rules.length > MAX_RULES)
    issues.push({ field: 'definition.rules', message: `must be a list of up to ${MAX_RULES} rules` });
  else {
    issues.push(...rules.flatMap(ruleIssues));
    if (live && rules.length === 0) issues.push({ field: 'definition.rules', message: 'a live model needs a rule' });
  }
  if (halfLife !== null && (typeof halfLife !== 'number' || !(halfLife > 0) || halfLife > MAX_HALF_LIFE_DAYS))
    issues.push({
      field: 'definition.half_life_days',
      message: `must be null (no decay) or 0 < days ≤ ${MAX_HALF_LIFE_DAYS}`,
    });
  if (typeof threshold !== 'number' || !(threshold > 0) || threshold > MAX_THRESHOLD)
    issues.push({ field: 'definition.threshold', message: `must be a number, 0 < threshold ≤ ${MAX_THRESHOLD}` });
  for (const key of Object.keys(definition))
    if (!['rules', 'half_life_days', 'threshold'].includes(key))
      issues.push({ field: `definition.${key}`, message: 'is not a field of a scoring model' });
  return issues;
}

/** A definition the check passed, typed (null when it has problems). */
export function scoringDefinitionOf(definition: unknown): ScoringDefinition | null {
  if (checkScoringDefinition(definition, false).length > 0 || !isRecord(definition)) return null;
  return {
    rules: definition.rules as ScoringRule[],
    half_life_days: (definition.half_life_days as number | null | undefined) ?? null,
    threshold: definition.threshold as number,
  };
}

/** What of an event a rule looks at (the scheduler reads it from the decoded event). */
export interface ScoredEvent {
  type: string;
  email_id?: string | null;
  link_id?: string | null;
  form_id?: string | null;
  page_id?: string | null;
}

const same = (filter: string | undefined, value: string | null | undefined): boolean =>
  filter === undefined || (typeof value === 'string' && value.toLowerCase() === filter.toLowerCase());

/** Whether an event rule scores the event (its kind, then each filter it has). */
export function ruleMatches(rule: EventRule, event: ScoredEvent): boolean {
  return (
    rule.on === event.type &&
    same(rule.email_id, event.email_id) &&
    same(rule.link_id, event.link_id) &&
    same(rule.form_id, event.form_id) &&
    same(rule.page_id, event.page_id)
  );
}

/** Whether an attribute rule holds for a contact's attributes (numbers and booleans compared as they are). */
export function attributeMatches(rule: AttributeRule, attributes: Record<string, unknown>): boolean {
  const value = attributes[rule.attribute];
  if (rule.equals !== undefined) return value === rule.equals;
  return (rule.in ?? []).some((candidate) => candidate === value);
}

const DAY_MS = 86_400_000;

/** How much of a score is left after `ms` milliseconds: 0.5 ^ (ms / half-life); 1 without decay. */
export function decayFactor(ms: number, halfLifeDays: number | null): number {
  return halfLifeDays ? 0.5 ** (ms / (halfLifeDays * DAY_MS)) : 1;
}

/** A score as stored: its value at its anchor time (epoch ms). */
export interface AnchoredScore {
  score: number;
  anchor: number;
}

/** The anchored score's value at time `at`. */
export function scoreAt(anchored: AnchoredScore, at: number, halfLifeDays: number | null): number {
  return anchored.score * decayFactor(at - anchored.anchor, halfLifeDays);
}

/**
 * Adds points earned at `at`. The score is a sum of points each decayed from its own time, so the order of
 * arrival does not matter: a later event moves the anchor to its time, an earlier one (a late arrival) adds its
 * points decayed to the anchor.
 */
export function addPoints(
  anchored: AnchoredScore,
  points: number,
  at: number,
  halfLifeDays: number | null,
): AnchoredScore {
  if (at >= anchored.anchor) return { score: scoreAt(anchored, at, halfLifeDays) + points, anchor: at };
  return { score: anchored.score + points * decayFactor(anchored.anchor - at, halfLifeDays), anchor: anchored.anchor };
}
