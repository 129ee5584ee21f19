import {
  type Consumer,
  type Message,
  type MessagesStream,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import type { Logger } from '../logger';
import { exponentialBackoff, retry } from '../retry';

export type LiveStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;
type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** What the stream hands its messages to (batch-consumer.ts's PartitionBatcher). */
export interface StreamReader {
  /** the stream whose messages count (set here) */
  live?: LiveStream;
  readonly stopping: boolean;
  /** a group join: what is in hand is stale */
  rebalance(): void;
  receive(message: RawMessage): void;
  /** pauses or resumes the live stream as the reader's backlog says */
  flowControl(): void;
}

const REOPEN_MAX_MS = 5_000;

/**
 * One message stream per group generation. NOTE: at-least-once across rebalances. A join makes everything the
 * current stream holds or will still deliver stale: its in-flight fetch responses and its buffered messages come
 * from positions of the old assignment, and a fetch response that lands after the join moves the stream's position
 * past the committed offset it was reset to, so messages dropped as stale (waiting, not yet handled) would never
 * come again. So a join drops the stream: its messages are ignored from that moment, a new stream is opened (it
 * starts from the committed offsets of the new assignment) and then the old one is closed (in that order, so the
 * consumer never has no stream on its topics, which would change its subscription).
 */
export class StreamPerGeneration {
  private replacing: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly batches: StreamReader,
    private readonly options: { topics: string[]; fromBeginning?: boolean },
    private readonly log: Logger,
  ) {}

  /**
   * Opens a stream and makes it the live one. consume() creates the stream synchronously once the member has
   * joined (or right after the first join it makes), so the stream always postdates every join seen so far.
   */
  async open(): Promise<LiveStream> {
    const stream = await this.consumer.consume({
      topics: this.options.topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode:
        this.options.fromBeginning === false
          ? MessagesStreamFallbackModes.LATEST
          : MessagesStreamFallbackModes.EARLIEST,
    });
    stream.on('data', (message: RawMessage) => {
      if (this.batches.live === stream) this.batches.receive(message);
    });
    stream.on('error', (error: Error) => this.log.error({ err: error.message }, 'consumer_stream_error'));
    this.batches.live = stream;
    this.batches.flowControl();
    return stream;
  }

  /** The group (re)assigned partitions: the batcher drops what it holds and the live stream is replaced. */
  joined(): void {
    const stale = this.batches.live;
    this.batches.rebalance();
    // No live stream: the first one is being opened (this is the join it waits for) or a replacement is.
    if (!stale) return;
    this.batches.live = undefined;
    stale.pause();
    this.replacing = this.replacing.then(() => this.replace(stale));
  }

  private async replace(stale: LiveStream): Promise<void> {
    await retry(() => this.open(), {
      pause: exponentialBackoff(100, REOPEN_MAX_MS),
      giveUp: () => this.batches.stopping,
      onRetry: (error) => this.log.warn({ err: (error as Error).message }, 'consumer_stream_reopen_failed'),
    }).catch(() => undefined);
    await stale.close().catch((error: Error) => this.log.warn({ err: error.message }, 'consumer_stream_close_failed'));
  }

  /** Waits for a replacement under way, then closes the live stream. */
  async close(): Promise<void> {
    await this.replacing;
    await this.batches.live
      ?.close()
      .catch((error: Error) => this.log.warn({ err: error.message }, 'consumer_stream_close_failed'));
  }
}
