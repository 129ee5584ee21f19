import { existsSync, mkdirSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OutgoingMessage } from '../../lib/platform/kafka/kafka-client';
import { readAt, scan, syncDirectory, writeAtomic } from './spool-file';
import { decodeFrames, decodeLegacyFrames, encodeFrame, FRAME_HEADER, FRAME_MAGIC, frameLength } from './spool-frames';

/**
 * Append-only local spool for events Kafka could not take (frames: spool-frames.ts, file work: spool-file.ts). Appends are grouped and
 * fdatasync'ed together (a few ms); append() resolves only once its bytes are on disk. The replay position lives
 * in a side file, replaced atomically (temp file, fsync, rename, fsync of the directory) so a crash leaves either
 * the old position or the new one, never a torn one.
 * NOTE: at-least-once by design: consumers dedupe by event_id, so replaying a frame twice is harmless, and every
 * doubt (a position that is not a frame boundary, a crash between two steps) resolves towards replaying again.
 */
export class SpoolFullError extends Error {
  constructor(limit: number) {
    super(`ingest spool is full (${limit} bytes)`);
    this.name = 'SpoolFullError';
  }
}

/** What open() found and repaired, for the caller's log line and metrics. */
export interface SpoolRecovery {
  /** frames to replay */
  records: number;
  /** corrupt regions skipped in the middle (each at least one frame, now lost) and their bytes */
  lost: { regions: number; bytes: number };
  /** bytes of an unfinished last append (never acknowledged) cut off the end */
  tornTailBytes: number;
  /** the stored position was not a frame boundary of this file: replay starts at the beginning */
  offsetReset: boolean;
}

interface PendingAppend {
  frame: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class DurableSpool {
  private readonly file: string;
  private readonly offsetFile: string;
  private handle: FileHandle | undefined;
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | undefined;
  private truncating: Promise<void> | undefined;
  /** bytes durably written (end of the last fsynced frame) */
  private written = 0;
  private readOffset = 0;
  private records = 0;
  private queuedBytes = 0;

  constructor(
    dir: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'events.spool');
    this.offsetFile = join(dir, 'events.spool.offset');
  }

  /**
   * Recovers after a crash: a stored position that is not a frame boundary restarts the replay at the beginning, a
   * torn tail is cut off, and corrupt frames in the middle are dropped by rewriting the spool without them (so they
   * are counted once, here); every intact frame is kept.
   */
  async open(): Promise<SpoolRecovery> {
    this.handle = await open(this.file, existsSync(this.file) ? 'r+' : 'w+');
    let size = (await this.handle.stat()).size;
    const stored = existsSync(this.offsetFile) ? Number((await readFile(this.offsetFile, 'utf8')).trim()) : 0;
    this.readOffset = Number.isSafeInteger(stored) && stored >= 0 && stored <= size ? stored : 0;
    let offsetReset = this.readOffset !== stored;
    if (size > 0 && !(await readAt(this.handle, 0, FRAME_MAGIC.length)).equals(FRAME_MAGIC)) {
      // Read whole, as that format always was; it is met once, after an upgrade.
      const legacy = decodeLegacyFrames(await readAt(this.handle, this.readOffset, size - this.readOffset));
      if (legacy.length > 0) size = await this.rewrite(async (append) => append(legacy));
    }
    // A replay position must be where a frame starts: anything else is stale (e.g. from before a truncation).
    if (this.readOffset < size && !(await this.frameStartsAt(this.readOffset))) {
      this.readOffset = 0;
      offsetReset = true;
    }
    const range = { from: this.readOffset, end: size };
    const found = await scan(this.handle, range, () => undefined);
    let tornTailBytes = size - found.position;
    if (found.lost.regions > 0) {
      const old = this.handle;
      size = await this.rewrite((append) => scan(old, range, append));
      tornTailBytes = 0;
    } else if (tornTailBytes > 0) {
      await this.handle.truncate(found.position);
      await this.handle.sync();
    }
    this.written = found.lost.regions > 0 ? size : found.position;
    this.records = found.records;
    return { records: this.records, lost: found.lost, tornTailBytes, offsetReset };
  }

  /** Whether an intact frame starts exactly at `position`. */
  private async frameStartsAt(position: number): Promise<boolean> {
    if (!this.handle) return false;
    const length = frameLength(await readAt(this.handle, position, FRAME_HEADER));
    if (length === null) return false;
    const decoded = decodeFrames(await readAt(this.handle, position, length), { limit: 1, final: true });
    return decoded.messages.length === 1 && decoded.lost.regions === 0;
  }

  /**
   * Replaces the spool with the messages `fill` appends (streamed to a new file), replay position 0. NOTE: the
   * position is reset before the new file takes the old one's name, so a crash in between replays the old file
   * again (duplicates), never skips into the new one. Returns the new file's size.
   */
  private async rewrite(
    fill: (append: (messages: OutgoingMessage[]) => Promise<void>) => Promise<unknown>,
  ): Promise<number> {
    const temp = `${this.file}.tmp`;
    const out = await open(temp, 'w');
    let size = 0;
    try {
      await fill(async (messages) => {
        const frames = Buffer.concat(messages.map((message) => encodeFrame(message)));
        await out.write(frames, 0, frames.length, size);
        size += frames.length;
      });
      await out.sync();
    } finally {
      await out.close();
    }
    await writeAtomic(this.offsetFile, '0');
    await this.handle?.close();
    await rename(temp, this.file);
    await syncDirectory(dirname(this.file));
    this.handle = await open(this.file, 'r+');
    this.readOffset = 0;
    return size;
  }

  /** Frames still to replay. */
  get depth(): number {
    return this.records;
  }

  get bytes(): number {
    return this.written - this.readOffset;
  }

  /** The replay position: where the next frame to replay starts. */
  get position(): number {
    return this.readOffset;
  }

  get isDrained(): boolean {
    return (
      this.readOffset === this.written &&
      this.queue.length === 0 &&
      this.writing === undefined &&
      this.truncating === undefined
    );
  }

  append(message: OutgoingMessage): Promise<void> {
    const frame = encodeFrame(message);
    if (this.written + this.queuedBytes + frame.length > this.maxBytes) {
      return Promise.reject(new SpoolFullError(this.maxBytes));
    }
    this.queuedBytes += frame.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  /** One write + fdatasync per group of appends that arrived while the previous group was syncing. */
  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0) {
      // An emptying of the file is under way: appends go to the emptied file, after it.
      while (this.truncating) await this.truncating;
      const group = this.queue;
      this.queue = [];
      const buf = Buffer.concat(group.map((p) => p.frame));
      this.queuedBytes -= buf.length;
      try {
        if (!this.handle) throw new Error('spool is not open');
        await this.handle.write(buf, 0, buf.length, this.written);
        await this.handle.datasync();
        this.written += buf.length;
        this.records += group.length;
        for (const p of group) p.resolve();
      } catch (error) {
        for (const p of group) p.reject(error as Error);
      }
    }
    this.writing = undefined;
  }

  /**
   * The next frames to replay, oldest first, the offset to commit once Kafka has acknowledged them, and the
   * corrupt regions skipped on the way (nothing after open() should be: a disk going bad).
   */
  async readChunk(
    maxRecords: number,
  ): Promise<{ messages: OutgoingMessage[]; nextOffset: number; lost: { regions: number; bytes: number } }> {
    const none = { regions: 0, bytes: 0 };
    if (!this.handle || this.written <= this.readOffset)
      return { messages: [], nextOffset: this.readOffset, lost: none };
    const messages: OutgoingMessage[] = [];
    const found = await scan(
      this.handle,
      { from: this.readOffset, end: this.written, limit: maxRecords },
      (some) => void messages.push(...some),
    );
    // Everything below `written` was fsynced and acknowledged: what does not decode at its end is lost, not torn.
    if (messages.length === 0 && found.position < this.written) {
      return {
        messages,
        nextOffset: this.written,
        lost: { regions: found.lost.regions + 1, bytes: found.lost.bytes + this.written - found.position },
      };
    }
    return { messages, nextOffset: found.position, lost: found.lost };
  }

  async commit(nextOffset: number, count: number): Promise<void> {
    await writeAtomic(this.offsetFile, String(nextOffset));
    this.readOffset = nextOffset;
    this.records = nextOffset >= this.written ? 0 : Math.max(0, this.records - count);
  }

  /**
   * When everything written was replayed and nothing is being appended, empties the file. NOTE: the position is
   * set to 0 before the file is emptied, so a crash in between replays the old frames again rather than reading
   * the next frames from a stale position; appends wait until the file is empty.
   */
  async truncateIfDrained(): Promise<boolean> {
    if (!this.isDrained) return false;
    if (this.written === 0) return true;
    const emptying = (async () => {
      await writeAtomic(this.offsetFile, '0');
      await this.handle?.truncate(0);
      await this.handle?.sync();
      this.written = 0;
      this.readOffset = 0;
      this.records = 0;
    })();
    this.truncating = emptying;
    try {
      await emptying;
    } finally {
      this.truncating = undefined;
    }
    return true;
  }

  async close(): Promise<void> {
    while (this.writing || this.truncating) await (this.writing ?? this.truncating);
    await this.handle?.close();
    this.handle = undefined;
  }
}
