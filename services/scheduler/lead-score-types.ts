import type { AnchoredScore, ScoringDefinition } from '../../lib/domain/scoring/scoring-model';

/** What lead scoring's steps hand each other (lead-scoring.ts, lead-score-ledger.ts, lead-score-trigger.ts). */

export interface LiveModel {
  id: string;
  workspaceId: string;
  version: number;
  definition: ScoringDefinition;
}

/** Points one rule gives for one event (or, for an attribute rule, once per contact). */
export interface Entry {
  key: string;
  rule: number;
  contactId: string;
  eventType: string;
  points: number;
  time: number;
}

/** A contact's state under the model version, locked for this transaction. */
export interface Scored {
  anchored: AnchoredScore;
  crossed: boolean;
  fresh: boolean;
  attributes: Record<string, unknown>;
}
