import { performance } from 'node:perf_hooks';
import type { Job, Queue } from 'bullmq';
import type { Pool } from 'pg';
import type { Logger } from '../../lib/platform/logger';
import type { Clock } from './clock';
import { readJob } from '../../lib/contracts/messages/queued-job';
import { tileWorkMessage, type TileWork } from './journey-tick';
import type { createSchedulerMetrics } from './scheduler.metrics';
import type { SendTimeReader } from './send-time-reader';
import { runTileStep } from './tile-step';

/** Puts tile steps on the step queue; `dedupe` for the tick's jobs. */
export type EnqueueSteps = (work: TileWork[], dedupe: boolean) => Promise<void>;

export function stepEnqueuer(stepQueue: Queue<TileWork>): EnqueueSteps {
  return async (work, dedupe) => {
    if (work.length === 0) return;
    await stepQueue.addBulk(
      work.map((w) => ({
        name: 'step',
        data: w,
        // Tick jobs are deduplicated while one waits; follow-up jobs are not (a step may be running).
        opts: {
          removeOnComplete: true,
          removeOnFail: true,
          ...(dedupe ? { jobId: `tick-${w.journeyId}-${w.tileId}` } : {}),
        },
      })),
    );
  };
}

export interface StepHandlerDeps {
  pool: Pool;
  clock: Clock;
  batchSize: number;
  sendTimes?: SendTimeReader;
  metrics: ReturnType<typeof createSchedulerMetrics>;
  log: Logger;
  /** wakes the outbox relay when a step wrote outbox rows */
  nudge(): void;
  enqueue: EnqueueSteps;
}

/**
 * The step worker's handler: one tile, one batch of contacts (runTileStep), then the tiles the contacts moved
 * on to, and this tile again while it holds more.
 */
export function tileStepHandler(deps: StepHandlerDeps): (job: Job<unknown>) => Promise<void> {
  const { pool, clock, metrics, log } = deps;
  return async (job) => {
    const work = readJob(job, tileWorkMessage, { log, unreadable: metrics.unreadableJobs });
    const started = performance.now();
    const result = await runTileStep(pool, {
      ...work,
      now: clock.now(),
      batchSize: deps.batchSize,
      sendTimes: deps.sendTimes,
    });
    const ms = performance.now() - started;
    metrics.stepSeconds.observe(ms / 1000);
    log.debug({ jobId: job.id, tileId: work.tileId, moved: result.moved, ms: Math.round(ms) }, 'tile_step');
    if (result.outbox) deps.nudge();
    const follow = result.nextTiles.map((tileId): TileWork => ({ v: 1, journeyId: work.journeyId, tileId }));
    if (result.more) follow.push(work);
    await deps.enqueue(follow, false);
  };
}
