import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api-deps';
import { scoringModelKind } from '../scoring-model-kind';
import { definitionRoutes } from './forms.routes';
import { itemOf } from './forms.schemas';

/** Lead scoring models: CRUD, check, go-live, stop, versions (docs/api.md#lead-scoring-models). */
export async function scoringModelRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  definitionRoutes(app, deps.pool, {
    path: '/v1/scoring-models',
    tag: 'scoring-models',
    kind: scoringModelKind(),
    item: itemOf({}),
    view: (row) => ({ ...row }),
    stopped: 'no event scores under it any more; its scores stay readable',
  });
}
