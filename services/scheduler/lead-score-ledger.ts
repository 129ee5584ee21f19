import type { PoolClient } from 'pg';
import {
  addPoints,
  attributeMatches,
  isAttributeRule,
  type AnchoredScore,
} from '../../lib/domain/scoring/scoring-model';
import type { LeadScoresPayload } from './outbox-messages';
import type { Entry, LiveModel, Scored } from './lead-score-types';

// The arithmetic of one batch under one model version (docs/lead-scoring.md#scoring), run under the lock of the
// contacts' lead_scores rows (lead-scoring.ts): which entries count, the scores they make, the crossings.

type Crossing = LeadScoresPayload['crossings'][number];

/** Thousandths of a point, as lead_score_crossed carries scores (Avro has no decimal the aggregator reads). */
const milli = (points: number): number => Math.round(points * 1000);

export interface BatchState {
  entries: Entry[];
  scored: Map<string, Scored>;
  /** `key#rule` of the entries already in the ledger */
  seen: Set<string>;
  /** `contact#rule`: how many times a capped rule already scored the contact */
  used: Map<string, number>;
}

/** A contact's new entries in time order, its attribute rules first when it is scored for the first time. */
function contactEntries(model: LiveModel, contactId: string, scored: Scored, own: Entry[]): Entry[] {
  const start = Math.min(...own.map((e) => e.time));
  const attributes: Entry[] = scored.fresh
    ? model.definition.rules.flatMap((rule, index) =>
        isAttributeRule(rule) && attributeMatches(rule, scored.attributes)
          ? [
              {
                key: `attribute:${contactId}`,
                rule: index,
                contactId,
                eventType: 'attribute',
                points: rule.points,
                time: start,
              },
            ]
          : [],
      )
    : [];
  const sorted = [...own].sort((a, b) => a.time - b.time || a.key.localeCompare(b.key) || a.rule - b.rule);
  return [...attributes, ...sorted];
}

/** The entries of each locked contact that count: new ones, once each, within their rule's max_per_contact. */
function countedByContact(model: LiveModel, state: BatchState): Map<string, Entry[]> {
  const byContact = new Map<string, Entry[]>();
  const once = new Set<string>();
  for (const entry of state.entries) {
    const id = `${entry.key}#${entry.rule}`;
    if (!state.scored.has(entry.contactId) || state.seen.has(id) || once.has(id)) continue;
    once.add(id);
    byContact.set(entry.contactId, [...(byContact.get(entry.contactId) ?? []), entry]);
  }
  const counted = new Map<string, Entry[]>();
  for (const [contactId, own] of byContact) {
    const scored = state.scored.get(contactId) as Scored;
    counted.set(
      contactId,
      contactEntries(model, contactId, scored, own).filter((entry) => {
        const rule = model.definition.rules[entry.rule];
        const max = rule && !isAttributeRule(rule) ? rule.max_per_contact : undefined;
        if (max === undefined) return true;
        const key = `${contactId}#${entry.rule}`;
        const n = state.used.get(key) ?? 0;
        state.used.set(key, n + 1);
        return n < max;
      }),
    );
  }
  return counted;
}

interface Ledger {
  rows: Array<{ entry: Entry; after: number }>;
  scores: Array<{ contactId: string; anchored: AnchoredScore; crossedAt: number | null }>;
  crossings: Crossing[];
}

/** Each contact's score after each of its entries, and the first entry that takes it to the threshold. */
function progress(model: LiveModel, state: BatchState, counted: Map<string, Entry[]>): Ledger {
  const { half_life_days: halfLife, threshold } = model.definition;
  const ledger: Ledger = { rows: [], scores: [], crossings: [] };
  for (const [contactId, entries] of counted) {
    if (entries.length === 0) continue;
    const scored = state.scored.get(contactId) as Scored;
    let anchored = scored.anchored;
    let crossedAt: number | null = null;
    for (const entry of entries) {
      anchored = addPoints(anchored, entry.points, entry.time, halfLife);
      ledger.rows.push({ entry, after: anchored.score });
      if (scored.crossed || crossedAt !== null || anchored.score < threshold) continue;
      crossedAt = entry.time;
      ledger.crossings.push({
        model_id: model.id,
        model_version: model.version,
        contact_id: contactId,
        event_time: entry.time,
        score_milli: milli(anchored.score),
        threshold_milli: milli(threshold),
        crossing_event_id: entry.key,
      });
    }
    ledger.scores.push({ contactId, anchored, crossedAt });
  }
  return ledger;
}

/** Writes the ledger rows and the new scores; returns the crossings and each rescored contact's score. */
export async function scoreBatchEntries(client: PoolClient, model: LiveModel, state: BatchState) {
  const ledger = progress(model, state, countedByContact(model, state));
  if (ledger.rows.length === 0) return { crossings: [], reached: [] };
  const column = <T>(pick: (row: Ledger['rows'][number]) => T): T[] => ledger.rows.map(pick);
  await client.query(
    `INSERT INTO lead_score_entries (model_id, version, entry_key, rule_index, contact_id, workspace_id, event_type, points, event_time, score_after)
     SELECT $1, $2, k, r, c, $3, t, p, to_timestamp(at / 1000.0), s
       FROM unnest($4::text[], $5::int[], $6::uuid[], $7::text[], $8::float8[], $9::float8[], $10::float8[]) AS e(k, r, c, t, p, at, s)
     ON CONFLICT DO NOTHING`,
    [
      model.id,
      model.version,
      model.workspaceId,
      column((row) => row.entry.key),
      column((row) => row.entry.rule),
      column((row) => row.entry.contactId),
      column((row) => row.entry.eventType),
      column((row) => row.entry.points),
      column((row) => row.entry.time),
      column((row) => row.after),
    ],
  );
  await client.query(
    `UPDATE lead_scores s SET score = u.score, anchor_time = to_timestamp(u.anchor / 1000.0),
            crossed_at = coalesce(s.crossed_at, to_timestamp(u.crossed / 1000.0))
       FROM unnest($3::uuid[], $4::float8[], $5::float8[], $6::float8[]) AS u(c, score, anchor, crossed)
      WHERE s.model_id = $1 AND s.version = $2 AND s.contact_id = u.c`,
    [
      model.id,
      model.version,
      ledger.scores.map((s) => s.contactId),
      ledger.scores.map((s) => s.anchored.score),
      ledger.scores.map((s) => s.anchored.anchor),
      ledger.scores.map((s) => s.crossedAt),
    ],
  );
  const reached = ledger.scores.map((s) => ({ contactId: s.contactId, score: s.anchored.score }));
  return { crossings: ledger.crossings, reached };
}
