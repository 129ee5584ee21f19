import type { ApiClient } from './api-client';
import { AB_LABELS } from './ab-test-setup';
import { EMAIL_TILES } from './campaign-setup';
import type { Check } from './demo-checks';
import type { DemoLedger } from './demo-ledger';
import { watch } from './insights-reader';

/**
 * The demo's lead scoring (docs/lead-scoring.md): a model that goes live before the campaign's mail goes out, so
 * the scheduler scores the recipients' opens and clicks, the landing form's submissions and the leads it creates as
 * they arrive. A reader who opens a message and clicks a link (10 + 20) stays below the threshold; one who also
 * opens a second message, or submits the landing form, crosses it.
 *
 * The threshold is not a multiple of 5 on purpose: every sum of points is, so no contact ends exactly on it, and
 * the few millionths of a point the 30-day half-life takes over the run's minutes cannot decide who crosses. The
 * crossings the demo expects are then exact, from what its recipients did (`expectedScoring`).
 */
const POINTS = { open: 10, click: 20, form_submitted: 25, lead_generated: 15 } as const;
const OPENS_SCORED = 2;
const THRESHOLD = 32;

const DEFINITION = {
  rules: [
    { on: 'open', points: POINTS.open, max_per_contact: OPENS_SCORED },
    { on: 'click', points: POINTS.click },
    { on: 'form_submitted', points: POINTS.form_submitted },
    { on: 'lead_generated', points: POINTS.lead_generated },
  ],
  half_life_days: 30,
  threshold: THRESHOLD,
};

export interface LeadScoringDemo {
  modelId: string;
  version: number;
}

/** Creates the demo's model and makes it live (version 1). */
export async function setupLeadScoring(api: ApiClient): Promise<LeadScoringDemo> {
  const model = await api.post<{ id: string }>('/v1/scoring-models', { name: 'Demo MQL', definition: DEFINITION });
  const live = await api.post<{ live_version: number }>(`/v1/scoring-models/${model.id}/go-live`);
  return { modelId: model.id, version: live.live_version };
}

export interface LeadScoringFigures {
  leadsProcessed: number;
  crossed: number;
  /** contacts per bucket of the score now: below 0, quarters of the threshold, at or above it */
  distribution: number[];
  /** the scores now of the crossed leads listed (the latest 100) */
  crossedScores: number[];
  /** the first crossed lead's insights: its score now under the model and how many entries made it */
  firstCrossed: { contactId: string; leadId: string | null; score: number; entries: number | null } | null;
}

interface ModelInsights {
  leads_processed: number;
  crossed: number;
  distribution: Array<{ leads: number }>;
  crossed_leads: Array<{ contact_id: string; lead_id: string | null; score: number }>;
}

/** The model's insights as the demo reports them (and, when the first crossed contact has a lead, its history). */
export async function checkLeadScoring(api: ApiClient, demo: LeadScoringDemo): Promise<LeadScoringFigures> {
  const insights = await api.get<ModelInsights>(`/v1/insights/scoring-models/${demo.modelId}?version=${demo.version}`);
  const first = insights.crossed_leads[0];
  let entries: number | null = null;
  if (first?.lead_id) {
    const lead = await api.get<{ scores: Array<{ model_id: string; history: unknown[] }> }>(
      `/v1/insights/leads/${first.lead_id}`,
    );
    entries = lead.scores.find((s) => s.model_id === demo.modelId)?.history.length ?? null;
  }
  return {
    leadsProcessed: insights.leads_processed,
    crossed: insights.crossed,
    distribution: insights.distribution.map((bucket) => bucket.leads),
    crossedScores: insights.crossed_leads.map((lead) => lead.score),
    firstCrossed: first ? { contactId: first.contact_id, leadId: first.lead_id, score: first.score, entries } : null,
  };
}

/**
 * The contacts the model must have scored and those that must have crossed, from what the demo did: human opens
 * (at most two scored per contact) and clicks of every message, scanner hits never; the landing form's accepted
 * submissions; a lead per contact who submitted it through the white-paper link; and each walk-in, a new contact
 * with a submission and a lead.
 */
export function expectedScoring(ledger: DemoLedger): { processed: number; crossed: number } {
  const points = new Map<string, number>();
  const opens = new Map<string, number>();
  const add = (map: Map<string, number>, id: string, value: number) => map.set(id, (map.get(id) ?? 0) + value);
  for (const email of [...EMAIL_TILES.map((t) => ledger.emails[t]), ...AB_LABELS.map((l) => ledger.ab[l])]) {
    for (const [id, count] of email.opensByContact) add(opens, id, count);
    for (const [id, count] of email.clicksByContact) add(points, id, count * POINTS.click);
  }
  for (const [id, count] of opens) add(points, id, Math.min(count, OPENS_SCORED) * POINTS.open);
  for (const [id, count] of ledger.landing.submissionsByContact) add(points, id, count * POINTS.form_submitted);
  for (const id of ledger.landing.landingSubmitters) add(points, id, POINTS.lead_generated);
  const walkIn = POINTS.form_submitted + POINTS.lead_generated;
  const walkIns = ledger.landing.walkIns;
  const crossed = [...points.values()].filter((p) => p >= THRESHOLD).length + (walkIn >= THRESHOLD ? walkIns : 0);
  return { processed: points.size + walkIns, crossed };
}

const n = (value: number): string => value.toLocaleString('en');

/** The model's insights, polled until the scheduler has scored what the demo did, against what it expects. */
export async function leadScoringChecks(
  api: ApiClient,
  demo: LeadScoringDemo,
  ledger: DemoLedger,
  say: (line: string) => void,
): Promise<Check[]> {
  const want = expectedScoring(ledger);
  const { value: got } = await watch({
    probe: () => checkLeadScoring(api, demo),
    done: (f) => f.leadsProcessed === want.processed && f.crossed === want.crossed,
    print: (f) => say(`lead scoring: ${n(f.leadsProcessed)} of ${n(want.processed)} leads scored so far`),
    timeoutMs: 60_000,
    printEveryMs: 5_000,
  });
  const first = got.firstCrossed;
  say(
    `lead scoring (model "Demo MQL" v${demo.version}, threshold ${THRESHOLD}): ${n(got.leadsProcessed)} leads processed, ` +
      `${n(got.crossed)} crossed; distribution ${got.distribution.map(n).join(' / ')}; first crossed lead: ` +
      (first ? `score ${first.score.toFixed(3)}, ${first.entries ?? 'no lead, so no'} entries` : 'none'),
  );
  const atOrAbove = got.distribution[got.distribution.length - 1] ?? 0;
  return [
    {
      what: 'lead scoring: at least one lead crossed the threshold',
      ok: got.crossed >= 1,
      detail: `${n(got.crossed)} crossed`,
    },
    {
      what: "lead scoring: every crossed lead's score now ≥ the threshold (and the top bucket holds them all)",
      ok: got.crossedScores.every((score) => score >= THRESHOLD) && atOrAbove === got.crossed,
      detail: `lowest listed ${got.crossedScores.length ? Math.min(...got.crossedScores).toFixed(3) : '—'}, top bucket ${n(atOrAbove)}`,
    },
    {
      what: 'lead scoring: crossed ≤ leads processed',
      ok: got.crossed <= got.leadsProcessed,
      detail: `${n(got.crossed)} ≤ ${n(got.leadsProcessed)}`,
    },
    {
      what: 'lead scoring: leads processed and crossed = what the recipients did (human opens and clicks, forms, leads)',
      ok: got.leadsProcessed === want.processed && got.crossed === want.crossed,
      detail: `processed ${n(got.leadsProcessed)} (expected ${n(want.processed)}), crossed ${n(got.crossed)} (expected ${n(want.crossed)})`,
    },
  ];
}
