import type { ApiClient } from './api-client';

/**
 * The demo's lead scoring (docs/lead-scoring.md): a model that goes live before the campaign's mail goes out, so
 * the scheduler scores the recipients' opens and clicks as they arrive; a contact that opens the white paper and
 * clicks a link reaches the threshold (10 + 20 = 30). `checkLeadScoring` reads its insights after the run.
 */

const DEFINITION = {
  rules: [
    { on: 'open', points: 10, max_per_contact: 2 },
    { on: 'click', points: 20 },
    { on: 'form_submitted', points: 25 },
    { on: 'lead_generated', points: 15 },
  ],
  half_life_days: 30,
  threshold: 30,
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
    firstCrossed: first ? { contactId: first.contact_id, leadId: first.lead_id, score: first.score, entries } : null,
  };
}
