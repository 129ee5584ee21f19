import { crc32 } from 'node:zlib';
import { mkdirSync, existsSync, readFileSync, openSync, fstatSync, readSync, ftruncateSync, closeSync, writeFileSync } from 'node:fs';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutgoingMessage } from '../../lib/kafka/kafka-client';

/**
 * Append-only local spool for events Kafka could not take. Frame: [u32 length][u32 crc32(payload)][payload],
 * payload = [u16 topic length][topic][u16 key length][key][value]. Appends are grouped and fdatasync'ed
 * together (a few ms); append() resolves only once its bytes are on disk. The replay position lives in a
 * side file; a crash between Kafka's ack and that write replays a few events again (same event_id).
 * NOTE: at-least-once by design: consumers dedupe by event_id, so replaying a frame twice is harmless.
 */
export class SpoolFullError extends Error {
  constructor(limit: number) {
    super(`ingest spool is full (${limit} bytes)`);
    this.name = 'SpoolFullError';
  }
}

const FRAME_HEADER = 8;
const READ_CHUNK_BYTES = 1024 * 1024;

interface PendingAppend {
  frame: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

export function encodeFrame(message: OutgoingMessage): Buffer {
  const topic = Buffer.from(message.topic, 'utf8');
  const key = Buffer.from(message.key, 'utf8');
  const payload = Buffer.alloc(4 + topic.length + key.length + message.value.length);
  let at = payload.writeUInt16BE(topic.length, 0);
  at += topic.copy(payload, at);
  at = payload.writeUInt16BE(key.length, at);
  at += key.copy(payload, at);
  message.value.copy(payload, at);
  const header = Buffer.alloc(FRAME_HEADER);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

/** Parses whole, intact frames from buf; stops at a torn or corrupt frame (the tail of a crashed write). */
export function decodeFrames(buf: Buffer, limit = Infinity): { messages: OutgoingMessage[]; bytes: number } {
  const messages: OutgoingMessage[] = [];
  let at = 0;
  while (at + FRAME_HEADER <= buf.length && messages.length < limit) {
    const length = buf.readUInt32BE(at);
    const end = at + FRAME_HEADER + length;
    if (end > buf.length) break;
    const payload = buf.subarray(at + FRAME_HEADER, end);
    if (crc32(payload) !== buf.readUInt32BE(at + 4) || length < 4) break;
    const topicLength = payload.readUInt16BE(0);
    const keyStart = 2 + topicLength;
    const keyLength = payload.readUInt16BE(keyStart);
    messages.push({
      topic: payload.subarray(2, keyStart).toString('utf8'),
      key: payload.subarray(keyStart + 2, keyStart + 2 + keyLength).toString('utf8'),
      value: Buffer.from(payload.subarray(keyStart + 2 + keyLength)),
    });
    at = end;
  }
  return { messages, bytes: at };
}

export class DurableSpool {
  private readonly file: string;
  private readonly offsetFile: string;
  private handle: FileHandle | undefined;
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | undefined;
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

  /** Recovers after a crash: drops a torn tail, counts the frames still to replay. */
  async open(): Promise<void> {
    const fd = openSync(this.file, existsSync(this.file) ? 'r+' : 'w+');
    try {
      const size = fstatSync(fd).size;
      const stored = existsSync(this.offsetFile) ? Number(readFileSync(this.offsetFile, 'utf8')) : 0;
      this.readOffset = Number.isSafeInteger(stored) && stored >= 0 && stored <= size ? stored : 0;
      const buf = Buffer.alloc(size - this.readOffset);
      readSync(fd, buf, 0, buf.length, this.readOffset);
      const { messages, bytes } = decodeFrames(buf);
      this.written = this.readOffset + bytes;
      this.records = messages.length;
      if (this.written < size) ftruncateSync(fd, this.written);
    } finally {
      closeSync(fd);
    }
    this.handle = await open(this.file, 'r+');
  }

  /** Frames still to replay. */
  get depth(): number {
    return this.records;
  }

  get bytes(): number {
    return this.written - this.readOffset;
  }

  get isDrained(): boolean {
    return this.records === 0 && this.queue.length === 0 && this.writing === undefined;
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

  /** The next frames to replay, oldest first, and the offset to commit once Kafka has acknowledged them. */
  async readChunk(maxRecords: number): Promise<{ messages: OutgoingMessage[]; nextOffset: number }> {
    const length = Math.min(READ_CHUNK_BYTES, this.written - this.readOffset);
    if (!this.handle || length <= 0) return { messages: [], nextOffset: this.readOffset };
    let buf = Buffer.alloc(length);
    await this.handle.read(buf, 0, length, this.readOffset);
    if (length < this.written - this.readOffset && buf.length >= FRAME_HEADER) {
      const first = FRAME_HEADER + buf.readUInt32BE(0);
      if (first > buf.length) {
        buf = Buffer.alloc(first);
        await this.handle.read(buf, 0, first, this.readOffset);
      }
    }
    const { messages, bytes } = decodeFrames(buf, maxRecords);
    return { messages, nextOffset: this.readOffset + bytes };
  }

  async commit(nextOffset: number, count: number): Promise<void> {
    this.readOffset = nextOffset;
    this.records = Math.max(0, this.records - count);
    await writeFile(this.offsetFile, String(nextOffset));
  }

  /** When everything written was replayed and nothing is being appended, empties the file. Synchronous on purpose. */
  truncateIfDrained(): boolean {
    if (!this.isDrained || this.readOffset !== this.written) return false;
    if (this.written > 0) {
      const fd = openSync(this.file, 'r+');
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
      writeFileSync(this.offsetFile, '0');
    }
    this.written = 0;
    this.readOffset = 0;
    return true;
  }

  async close(): Promise<void> {
    while (this.writing) await this.writing;
    await this.handle?.close();
    this.handle = undefined;
  }
}
