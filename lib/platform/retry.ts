/** How long to wait before the n-th retry (1 for the first), in milliseconds. */
export type Pause = (retry: number) => number;

/** Pauses that start at `firstMs` and grow `factor` times each retry, never longer than `maxMs`. */
export function exponentialBackoff(firstMs: number, maxMs: number, factor = 2): Pause {
  return (retry) => Math.min(maxMs, firstMs * factor ** (retry - 1));
}

export interface RetryOptions {
  pause: Pause;
  /** attempts in all, the first included (default: no limit) */
  attempts?: number;
  /** no retry whose pause would end later than this many milliseconds after the first attempt began */
  deadlineMs?: number;
  /**
   * Asked after each failure, and again after the pause before the next attempt: true ends the retries and the
   * failure is thrown (an error not worth retrying; the work now belongs to someone else; the process stops).
   */
  giveUp?: (error: unknown) => boolean;
  /** each failure that is about to be retried, with the retry's number (1 for the first) and its pause */
  onRetry?: (error: unknown, retry: number, pauseMs: number) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Cairn's one retry loop: runs `work` until it resolves, pausing between attempts; when the attempts, the deadline
 * or giveUp say stop, the last failure is thrown. `work` is given the attempt's number (1 for the first).
 */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const started = Date.now();
  const limit = options.attempts ?? Infinity;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const pauseMs = options.pause(attempt);
      const pastDeadline = options.deadlineMs !== undefined && Date.now() + pauseMs - started > options.deadlineMs;
      if (attempt >= limit || pastDeadline || options.giveUp?.(error)) throw error;
      options.onRetry?.(error, attempt, pauseMs);
      await sleep(pauseMs);
      if (options.giveUp?.(error)) throw error;
    }
  }
}

/**
 * Asks `probe` until it answers true (a topic has a leader, a mutation is done), pausing between asks; past the
 * deadline, throws timeout()'s error. A probe that throws ends the wait with its error.
 */
export async function pollUntil(
  probe: () => Promise<boolean>,
  options: { pause: Pause; deadlineMs: number; timeout: () => Error },
): Promise<void> {
  const notYet = new Error('not yet');
  await retry(
    async () => {
      if (!(await probe())) throw notYet;
    },
    { pause: options.pause, deadlineMs: options.deadlineMs, giveUp: (error) => error !== notYet },
  ).catch((error: unknown) => {
    throw error === notYet ? options.timeout() : error;
  });
}
