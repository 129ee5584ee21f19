import type { Pool, PoolClient } from 'pg';
import { isJourneyEventType, type CairnEvent, type EmailEvent } from '../../lib/contracts/events/event-types';
import {
  isAttributeRule,
  ruleMatches,
  scoringDefinitionOf,
  SCORING_EVENTS,
} from '../../lib/domain/scoring/scoring-model';
import { inTransaction } from '../../lib/platform/postgres/pg-pool';
import type { LeadScoresPayload } from './outbox-messages';
import type { Entry, LiveModel, Scored } from './lead-score-types';
import { wakeLeadScoreTriggers } from './lead-score-trigger';
import { scoreBatchEntries } from './lead-score-ledger';

// Lead scoring (docs/lead-scoring.md): the engagement consumer scores each human event of a contact under every
// live model version of its workspace, exactly once per (version, event, rule), in the batch's transaction.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isScoringCandidate = (event: CairnEvent): event is EmailEvent =>
  !isJourneyEventType(event.type) &&
  (SCORING_EVENTS as readonly string[]).includes(event.type) &&
  event.data.machine !== true &&
  UUID.test(event.data.workspace_id) &&
  UUID.test(event.data.contact_id);

/** What a rule looks at of an event: its kind and the email, link, form and page it names. */
function scoredFields(event: EmailEvent) {
  const text = (key: string): string | null => {
    const value: unknown = Reflect.get(event.data, key);
    return typeof value === 'string' ? value : null;
  };
  return {
    type: event.type,
    email_id: text('email_id'),
    link_id: text('link_id'),
    form_id: text('form_id'),
    page_id: text('page_id'),
  };
}

/** The event rules' entries of the model's workspace's events (attribute rules are added per contact later). */
export function eventEntries(model: LiveModel, events: readonly EmailEvent[]): Entry[] {
  const entries: Entry[] = [];
  for (const event of events) {
    if (event.data.workspace_id.toLowerCase() !== model.workspaceId) continue;
    const fields = scoredFields(event);
    model.definition.rules.forEach((rule, index) => {
      if (isAttributeRule(rule) || !ruleMatches(rule, fields)) return;
      entries.push({
        key: event.data.event_id,
        rule: index,
        contactId: event.data.contact_id.toLowerCase(),
        eventType: event.type,
        points: rule.points,
        time: event.data.event_time,
      });
    });
  }
  return entries;
}

/** The live versions of the models of these workspaces (the partial index of 0450). */
async function liveModels(pool: Pool, workspaceIds: string[]): Promise<LiveModel[]> {
  const { rows } = await pool.query<{ id: string; workspace_id: string; version: number; definition: unknown }>(
    `SELECT m.id::text, m.workspace_id::text, v.version, v.definition FROM scoring_models m
       JOIN scoring_model_versions v ON v.model_id = m.id AND v.version = m.live_version
      WHERE m.workspace_id = ANY($1::uuid[]) AND m.status = 'live'`,
    [workspaceIds],
  );
  return rows.flatMap((row) => {
    // a frozen version passed the go-live check; one that no longer reads scores nothing rather than guessing
    const definition = scoringDefinitionOf(row.definition);
    return definition ? [{ id: row.id, workspaceId: row.workspace_id, version: row.version, definition }] : [];
  });
}

/**
 * Creates the contacts' lead_scores rows (known contacts of the workspace, not erased) and locks them in a fixed
 * order, so two consumers scoring the same contact take turns and never deadlock.
 */
async function lockScores(client: PoolClient, model: LiveModel, entries: Entry[]): Promise<Map<string, Scored>> {
  const earliest = new Map<string, number>();
  for (const e of entries) earliest.set(e.contactId, Math.min(earliest.get(e.contactId) ?? e.time, e.time));
  // inserted in id order too: two transactions creating the same rows wait for each other in one order
  const first = new Map([...earliest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const { rows: created } = await client.query<{ contact_id: string }>(
    `INSERT INTO lead_scores (model_id, version, contact_id, workspace_id, anchor_time, first_scored_at)
     SELECT $1, $2, c.id, c.workspace_id, to_timestamp(f.t / 1000.0), now()
       FROM unnest($3::uuid[], $4::float8[]) AS f(c, t) JOIN contacts c ON c.id = f.c AND c.workspace_id = $5
      WHERE NOT EXISTS (SELECT 1 FROM contact_erasures x WHERE x.contact_id = f.c)
     ON CONFLICT DO NOTHING RETURNING contact_id::text`,
    [model.id, model.version, [...first.keys()], [...first.values()], model.workspaceId],
  );
  const fresh = new Set(created.map((r) => r.contact_id));
  const { rows } = await client.query<{
    contact_id: string;
    score: number;
    anchor: string;
    crossed: boolean;
    attributes: Record<string, unknown>;
  }>(
    `SELECT s.contact_id::text, s.score, (extract(epoch FROM s.anchor_time) * 1000)::text AS anchor, s.crossed_at IS NOT NULL AS crossed,
            coalesce(c.attributes, '{}'::jsonb) AS attributes
       FROM lead_scores s LEFT JOIN contacts c ON c.id = s.contact_id
      WHERE s.model_id = $1 AND s.version = $2 AND s.contact_id = ANY($3::uuid[])
        AND NOT EXISTS (SELECT 1 FROM contact_erasures x WHERE x.contact_id = s.contact_id)
      ORDER BY s.contact_id FOR UPDATE OF s`,
    [model.id, model.version, [...first.keys()]],
  );
  return new Map(
    rows.map((r) => [
      r.contact_id,
      {
        anchored: { score: r.score, anchor: Math.round(Number(r.anchor)) },
        crossed: r.crossed,
        fresh: fresh.has(r.contact_id),
        attributes: r.attributes,
      },
    ]),
  );
}

/** The entries not in the ledger yet, and how many times each capped rule already scored each contact. */
async function ledgerState(client: PoolClient, model: LiveModel, entries: Entry[]) {
  const { rows: known } = await client.query<{ entry_key: string; rule_index: number }>(
    `SELECT entry_key, rule_index FROM lead_score_entries WHERE model_id = $1 AND version = $2 AND entry_key = ANY($3::text[])`,
    [model.id, model.version, [...new Set(entries.map((e) => e.key))]],
  );
  const seen = new Set(known.map((r) => `${r.entry_key}#${r.rule_index}`));
  const capped = model.definition.rules.flatMap((rule, i) =>
    !isAttributeRule(rule) && rule.max_per_contact !== undefined ? [i] : [],
  );
  const { rows: counts } = await client.query<{ contact_id: string; rule_index: number; n: number }>(
    `SELECT contact_id::text, rule_index, count(*)::int AS n FROM lead_score_entries
      WHERE model_id = $1 AND version = $2 AND contact_id = ANY($3::uuid[]) AND rule_index = ANY($4::int[])
      GROUP BY contact_id, rule_index`,
    [model.id, model.version, [...new Set(entries.map((e) => e.contactId))], capped],
  );
  const used = new Map(counts.map((r) => [`${r.contact_id}#${r.rule_index}`, r.n]));
  return { seen, used };
}

/**
 * Scores one model version's entries of a batch in one transaction; returns the outbox's crossings and the
 * triggers woken.
 *
 * NOTE: exactly once per (model version, event, rule). The contacts' lead_scores rows are locked first (FOR
 * UPDATE), then the ledger is read, so what this transaction inserts into lead_score_entries (primary key
 * (model, version, entry key, rule), ON CONFLICT DO NOTHING as a second guard) is exactly what it adds to the
 * scores: a Kafka redelivery, a replay after a crash or a second consumer finds its entries and adds nothing.
 */
async function scoreModel(client: PoolClient, model: LiveModel, entries: Entry[], now: number) {
  const scored = await lockScores(client, model, entries);
  const { seen, used } = await ledgerState(client, model, entries);
  const result = await scoreBatchEntries(client, model, { entries, scored, seen, used });
  const woken = await wakeLeadScoreTriggers(client, model, result.reached, now);
  return { crossings: result.crossings, woken };
}

/** What scoring a batch did: triggers woken (each needs a step job) and whether the outbox got rows. */
export interface ScoringResult {
  woken: Array<{ journey_id: string; tile_id: string }>;
  outbox: boolean;
}

/**
 * Scores a batch of email-topic events (the engagement consumer, after engagements, web activity and goals) under
 * the live models of their workspaces, one transaction per model; the consumer commits its offsets after this.
 */
export async function scoreLeads(pool: Pool, events: readonly CairnEvent[], now: number): Promise<ScoringResult> {
  const result: ScoringResult = { woken: [], outbox: false };
  const candidates = events.filter(isScoringCandidate);
  if (candidates.length === 0) return result;
  const workspaces = [...new Set(candidates.map((e) => e.data.workspace_id.toLowerCase()))];
  for (const model of await liveModels(pool, workspaces)) {
    const entries = eventEntries(model, candidates);
    if (entries.length === 0) continue;
    const done = await inTransaction(pool, async (client) => {
      const out = await scoreModel(client, model, entries, now);
      if (out.crossings.length > 0) {
        const payload: LeadScoresPayload = { v: 1, workspace_id: model.workspaceId, crossings: out.crossings };
        await client.query(`INSERT INTO journey_outbox (kind, payload) VALUES ('lead_scores', $1)`, [
          JSON.stringify(payload),
        ]);
      }
      return out;
    });
    result.woken.push(...done.woken);
    if (done.crossings.length > 0) result.outbox = true;
  }
  return result;
}
