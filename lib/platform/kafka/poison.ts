import { isClickHouseDataError } from '../clickhouse/clickhouse-errors';
import { CairnError } from '../errors';
import type { Logger } from '../logger';
import { isPgDataError } from '../postgres/pg-errors';
import { exponentialBackoff, type Pause, retry } from '../retry';

/**
 * Why a sink failed: `data` when the messages themselves are at fault (the same rows fail the same way however
 * often they are sent: poison), `outage` when the world is (a store down, overloaded, timing out, a connection
 * refused: the same rows land once it is back). Only data errors may dead-letter anything; anything this module
 * does not recognise is an outage, so an unknown failure is retried, never dropped (docs/security.md#invariants).
 */
export type FailureKind = 'data' | 'outage';

/** A Node.js system error (ECONNREFUSED, ETIMEDOUT, ECONNRESET, EPIPE, ...) anywhere in the cause chain. */
const SYSTEM_CODE = /^E[A-Z_]+$/;

function systemError(error: unknown): boolean {
  for (let at = error, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    if (at instanceof CairnError) continue;
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && SYSTEM_CODE.test(code)) return true;
  }
  return false;
}

export function failureKind(error: unknown): FailureKind {
  if (!(error instanceof Error)) return 'outage';
  // Cairn's catalog says which of its own errors are worth retrying (EVENT_INVALID is not; its code is no errno).
  if (error instanceof CairnError) return error.retriable ? 'outage' : 'data';
  if (systemError(error)) return 'outage';
  const byStore = isPgDataError(error) ?? isClickHouseDataError(error);
  if (byStore !== null) return byStore ? 'data' : 'outage';
  // A sink's own code tripping over a value it did not expect (a missing field, a number too large); one with a
  // cause wraps something else (undici's "fetch failed"), which is no proof the value is at fault.
  if (
    (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) &&
    error.cause === undefined
  )
    return 'data';
  return 'outage';
}

export interface PoisonIsolation<T> {
  /** times a member alone must fail with a data error before it is poison (CAIRN_KAFKA_POISON_ATTEMPTS) */
  attempts: number;
  log: Logger;
  /** the sink over some members of the batch, in their order; idempotent, as every sink is */
  run(members: T[]): Promise<void>;
  /** a member that failed alone `attempts` times: dead-letter it (awaited before any later member is run) */
  poison(member: T, error: Error): Promise<void>;
  /** pause before a member alone is tried again (default: 200 ms, doubling, at most 2 s) */
  backoffMs?: Pause;
}

/**
 * Runs the sink over all members; when it fails with a data error, splits them in two halves, left before right,
 * until each failing member stands alone, tries it `attempts` times in all and hands it to poison(); the others
 * are written. An outage error at any depth is thrown: the caller retries the batch (nothing is committed), and
 * idempotent sinks make the members already written harmless.
 * NOTE: members are run strictly in their order, each poison member dead-lettered before anything after it runs,
 * so a store that records "written up to offset X" (the aggregator's ledger) never skips an unwritten member.
 */
export async function isolatePoison<T>(members: readonly T[], options: PoisonIsolation<T>): Promise<void> {
  if (members.length === 0) return;
  if (members.length === 1) return isolateOne(members[0] as T, options);
  try {
    await options.run([...members]);
    return;
  } catch (error) {
    if (failureKind(error) === 'outage') throw error;
    options.log.info({ members: members.length, err: (error as Error).message.slice(0, 300) }, 'poison_isolating');
  }
  const half = Math.ceil(members.length / 2);
  await isolatePoison(members.slice(0, half), options);
  await isolatePoison(members.slice(half), options);
}

/** One member alone: `attempts` tries in all; an outage is thrown at once, a data error each time makes it poison. */
async function isolateOne<T>(member: T, options: PoisonIsolation<T>): Promise<void> {
  try {
    await retry(() => options.run([member]), {
      attempts: Math.max(1, options.attempts),
      pause: options.backoffMs ?? exponentialBackoff(200, 2_000),
      giveUp: (error) => failureKind(error) === 'outage',
    });
  } catch (error) {
    if (failureKind(error) === 'outage') throw error;
    await options.poison(member, error as Error);
  }
}
