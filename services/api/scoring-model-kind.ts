import { checkScoringDefinition, INITIAL_SCORING_DEFINITION } from '../../lib/domain/scoring/scoring-model';
import type { DefinitionKind } from './definition-store';

/**
 * Lead scoring models (docs/lead-scoring.md) as a definition resource: a draft definition checked as it is saved,
 * frozen as version n+1 at go-live (scoring_model_versions), which the scheduler scores with; editing and going
 * live again makes a new version that scores from then on.
 */
export function scoringModelKind(): DefinitionKind {
  return {
    table: 'scoring_models',
    versions: 'scoring_model_versions',
    parent: 'model_id',
    noun: 'scoring model',
    select: 'SELECT t.* FROM scoring_models t',
    initial: { ...INITIAL_SCORING_DEFINITION },
    checkDraft: async (_db, _workspaceId, definition) => checkScoringDefinition(definition, false),
    freeze: async (_db, _workspaceId, row) => {
      const issues = checkScoringDefinition(row.definition, true);
      return { issues, columns: issues.length === 0 ? { definition: row.definition } : null };
    },
  };
}
