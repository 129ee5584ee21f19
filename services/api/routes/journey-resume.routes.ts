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
    async (req) =>
      transition(pool, workspaceOf(req), req.params.id, 'paused', 'live', 'resumed by API', async (client, journey) => {
        await client.query('DELETE FROM journey_breaker_counts WHERE journey_id = $1', [journey.id]);
        await client.query(
          'UPDATE journeys SET paused_at = NULL, paused_reason = NULL, pause_rates = NULL WHERE id = $1',
          [journey.id],
        );
      }),
  );
}
