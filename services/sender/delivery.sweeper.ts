import type { Logger } from '../../lib/platform/logger';
import type { DeliveriesRepository } from './deliveries.repository';
import type { SendPipeline } from './send.pipeline';
import { EventsFor } from './sender-events';

export interface SweeperOptions {
  repo: DeliveriesRepository;
  pipeline: SendPipeline;
  leaseMs: number;
  /** a retry row untouched this long has lost its delayed job */
  overdueRetryMs: number;
  scheduleRetry: (key: string) => Promise<void>;
  onUnknown: (count: number) => void;
  log: Logger;
}

/**
 * What a crash leaves behind, found and finished by any replica: attempts whose reply was never recorded become
 * outcome_unknown (never resent), outcomes whose events were not acknowledged are produced again, and soft-bounce
 * retries whose delayed job vanished (Redis restarted without persistence) are queued again.
 */
export async function sweepOnce(options: SweeperOptions): Promise<void> {
  const { repo, pipeline } = options;
  const stale = await repo.sweepStaleAttempts(options.leaseMs);
  if (stale.length > 0) {
    const outcomes = stale.map((s) => ({
      key: s.key,
      outcome: {
        events: EventsFor.failed(s.item, s.messageId, 'outcome_unknown', 'no SMTP reply was recorded for this attempt'),
      },
    }));
    await repo.recordUnknown(outcomes);
    options.onUnknown(stale.length);
    options.log.warn({ count: stale.length }, 'attempts_outcome_unknown');
  }
  await pipeline.settle(await repo.unemitted(Math.min(options.leaseMs, 30_000)));
  for (const key of await repo.overdueRetries(options.overdueRetryMs)) await options.scheduleRetry(key);
}

export function startSweeper(options: SweeperOptions & { everyMs: number }): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => sweepOnce(options))
      .catch((error: Error) => options.log.warn({ err: error.message }, 'sweep_failed'));
  }, options.everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
