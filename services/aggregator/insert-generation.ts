import type { PassThrough } from 'node:stream';
import type { IngestBatch } from './ingest-batch';

/**
 * One insert of the InsertBuffer (insert-buffer.ts): the batches gathered into it, whether it still takes rows,
 * the body streamed to ClickHouse and the promises the batches' sinks wait on.
 */
export interface Generation {
  /** the buffer's epoch when the generation was created; a fence starts a new epoch */
  epoch: number;
  batches: IngestBatch[];
  rows: number;
  /** rows announced by the batches opened in it (their messages), to fill it to about maxRows */
  planned: number;
  /** batches still being written into it (open sinks): it cannot close before they end */
  holds: number;
  /** asked to close (full, flushed, lingered long enough, or stopping) */
  due: boolean;
  /** the body of its first insert attempt, once started; rows stream to ClickHouse as they are decoded */
  stream: PassThrough | undefined;
  /** resolves when no row can join any more (the stream ended) */
  closed: Promise<void>;
  close: () => void;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  void promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A generation with nothing in it yet, taking rows. */
export function newGeneration(epoch: number): Generation {
  const done = deferred();
  const closed = deferred();
  return {
    epoch,
    batches: [],
    rows: 0,
    planned: 0,
    holds: 0,
    due: false,
    stream: undefined,
    closed: closed.promise,
    close: closed.resolve,
    done: done.promise,
    resolve: done.resolve,
    reject: done.reject,
  };
}
