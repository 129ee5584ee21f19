import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { Logger } from '../../lib/platform/logger';
import type { EntryPasses } from './audience-entry';
import type { Clock } from './clock';
import { tickJourneys } from './journey-tick';
import type { EnqueueSteps } from './step-queue';

export interface TickLoopDeps {
  pool: Pool;
  clock: Clock;
  entryBatch: number;
  entryBudgetMs: number;
  log: Logger;
  /** wakes the outbox relay when entry wrote outbox rows */
  nudge(): void;
  enqueue: EnqueueSteps;
}

export interface TickLoop {
  /** runs a tick now, or waits for the one running */
  tick(): Promise<void>;
  /** ticks every `everyMs`, and once now */
  start(everyMs: number): void;
  /** no new tick; waits for the one running */
  stop(): Promise<void>;
}

/** The scheduler's tick: passes over the live journeys (journey-tick.ts), their work put on the step queue. */
export function tickLoop(deps: TickLoopDeps): TickLoop {
  const { log } = deps;
  const passes: EntryPasses = new Map();
  let stopping = false;
  let ticking: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** One pass over the live journeys; true while an audience entry ran out of its slice and wants more. */
  const tickOnce = async (): Promise<boolean> => {
    const started = performance.now();
    const { work, entering } = await tickJourneys(deps.pool, {
      now: deps.clock.now(),
      entryBatch: deps.entryBatch,
      entryBudgetMs: deps.entryBudgetMs,
      passes,
      log,
      onOutbox: () => deps.nudge(),
    });
    await deps.enqueue(work, true);
    log.debug({ ms: Math.round(performance.now() - started), entering }, 'tick');
    return entering;
  };

  const tick = async (): Promise<void> => {
    // A large entry goes on pass after pass (each enqueues the work found meanwhile) until it is complete.
    ticking ??= (async () => {
      while ((await tickOnce()) && !stopping);
    })()
      .catch((error: Error) => log.warn({ err: error.message }, 'tick_failed'))
      .finally(() => (ticking = undefined));
    await ticking;
  };

  return {
    tick,
    start: (everyMs) => {
      timer = setInterval(() => void tick(), everyMs);
      void tick();
    },
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      await ticking;
    },
  };
}
