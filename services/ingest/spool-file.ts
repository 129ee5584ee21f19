import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OutgoingMessage } from '../../lib/platform/kafka/kafka-client';
import { decodeFrames, FRAME_HEADER, MAX_PAYLOAD } from './spool-frames';

/** The durable spool's file work (durable-spool.ts): durable renames and replacements, reads, and frame scans. */

const READ_CHUNK_BYTES = 1024 * 1024;

/** A rename (or a file's creation) is durable only once its directory is fsynced. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `data` atomically and durably: temp file, fsync, rename, fsync of the directory. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * Frames from `from` up to `end` of the file, a megabyte at a time (more for a frame longer than that), handed to
 * `each` as they are read (at most `limit`; memory stays at a chunk however large the spool): how many, where
 * reading stopped, and the corrupt regions skipped. At `end` a frame that does not check out is left unread (a
 * torn tail).
 */
export async function scan(
  handle: FileHandle,
  range: { from: number; end: number; limit?: number },
  each: (messages: OutgoingMessage[]) => Promise<void> | void,
) {
  const { from, end, limit = Infinity } = range;
  const lost = { regions: 0, bytes: 0 };
  let records = 0;
  let position = from;
  while (position < end && records < limit) {
    let length = Math.min(READ_CHUNK_BYTES, end - position);
    let decoded = decodeFrames(await readAt(handle, position, length), {
      limit: limit - records,
      final: position + length === end,
    });
    if (decoded.bytes === 0 && position + length < end) {
      length = Math.min(FRAME_HEADER + MAX_PAYLOAD, end - position);
      decoded = decodeFrames(await readAt(handle, position, length), {
        limit: limit - records,
        final: position + length === end,
      });
    }
    await each(decoded.messages);
    records += decoded.messages.length;
    lost.regions += decoded.lost.regions;
    lost.bytes += decoded.lost.bytes;
    position += decoded.bytes;
    if (decoded.bytes === 0) break;
  }
  return { records, position, lost };
}
