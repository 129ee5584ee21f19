import type { Pool } from 'pg';
import type { TypedApp } from '../api-deps';
import { workspaceOf } from '../api-auth';
import { idParams } from '../resource-routes';
import { transition } from '../journeys/journey-transition';
import { item, tags } from './journeys.schemas';

/**
 * Resuming a journey the circuit breaker paused (docs/scheduler.md#circuit-breaker) sends mail again: the send
 * scope, like go-live. Its contacts move on and the sender sends the batches it held; the breaker's window starts
 * again (its counts are deleted), so the window that tripped it does not pause it again at once.
 */
export function resumeRoute(app: TypedApp, pool: Pool): void {
  app.post(
    '/v1/journeys/:id/resume',
    {
      config: { scope: 'send' },
      schema: {
        tags,
        summary: 'Resume a journey the circuit breaker paused: paused → live (scope send)',
        params: idParams,
        response: { 200: item },
      },
    },
    async (req) => {
      const workspaceId = workspaceOf(req);
      const id = req.params.id;
      return transition(
        pool,
        workspaceId,
        id,
        'paused',
        'live',
        'resumed by API',
        async (client) => {
          await client.query(
            'UPDATE journeys SET paused_at = NULL, paused_reason = NULL, pause_rates = NULL WHERE id = $1',
            [id],
          );
        },
        // NOTE: the counts are deleted before the journey row is locked, the order the engagement consumer
        // takes them in (services/scheduler/journey-breaker.ts), so a resume and a consumer never deadlock.
        async (client) => {
          await client.query(
            'DELETE FROM journey_breaker_counts b USING journeys j WHERE b.journey_id = $1 AND j.id = b.journey_id AND j.workspace_id = $2',
            [id, workspaceId],
          );
        },
      );
    },
  );
}
