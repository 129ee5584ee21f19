import { crc32 } from 'node:zlib';
import type { OutgoingMessage } from '../../lib/platform/kafka/kafka-client';

/**
 * The durable spool's frames. Frame: [4-byte sync marker][u32 length][u32 crc32 of the length bytes and the
 * payload][payload], payload = [u16 topic length][topic][u16 key length][key][value].
 * NOTE: the marker and a checksum that also covers the length make every frame findable again: a reader that
 * meets a corrupt frame (a torn write, a bad sector, a stale read position) looks for the next marker whose frame
 * checks out and goes on from there, so one bad frame costs that frame, not everything after it.
 */
export const FRAME_MAGIC = Buffer.from([0xca, 0x1f, 0x5b, 0x01]);
export const FRAME_HEADER = FRAME_MAGIC.length + 8;
/** Largest payload a frame may claim; a larger length is corruption (an ingest event is a few hundred bytes). */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

export function encodeFrame(message: OutgoingMessage): Buffer {
  const topic = Buffer.from(message.topic, 'utf8');
  const key = Buffer.from(message.key, 'utf8');
  const frame = Buffer.alloc(FRAME_HEADER + 4 + topic.length + key.length + message.value.length);
  FRAME_MAGIC.copy(frame, 0);
  let at = frame.writeUInt16BE(topic.length, FRAME_HEADER);
  at += topic.copy(frame, at);
  at = frame.writeUInt16BE(key.length, at);
  at += key.copy(frame, at);
  message.value.copy(frame, at);
  const length = frame.length - FRAME_HEADER;
  if (length > MAX_PAYLOAD) throw new RangeError(`spool frame of ${length} bytes exceeds ${MAX_PAYLOAD}`);
  frame.writeUInt32BE(length, 4);
  frame.writeUInt32BE(checksum(frame, 0), 8);
  return frame;
}

/** crc32 over the frame's length field and payload. */
function checksum(buf: Buffer, at: number): number {
  const length = buf.readUInt32BE(at + 4);
  return crc32(buf.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length), crc32(buf.subarray(at + 4, at + 8)));
}

/** The whole length of the frame whose header this is, or null when it is not a frame header. */
export function frameLength(header: Buffer): number | null {
  if (header.length < FRAME_HEADER || header.compare(FRAME_MAGIC, 0, FRAME_MAGIC.length, 0, FRAME_MAGIC.length) !== 0)
    return null;
  const length = header.readUInt32BE(4);
  return length >= 4 && length <= MAX_PAYLOAD ? FRAME_HEADER + length : null;
}

type FrameAt = { ok: true; end: number; message: OutgoingMessage } | { ok: false; short: boolean };

const BAD: FrameAt = { ok: false, short: false };
const SHORT: FrameAt = { ok: false, short: true };

/** The frame starting at `at`: whole and intact, cut off by the end of `buf` (short), or not a frame. */
function frameAt(buf: Buffer, at: number): FrameAt {
  if (at + FRAME_HEADER > buf.length) {
    const have = Math.min(buf.length - at, FRAME_MAGIC.length);
    return buf.compare(FRAME_MAGIC, 0, have, at, at + have) === 0 ? SHORT : BAD;
  }
  const whole = frameLength(buf.subarray(at, at + FRAME_HEADER));
  if (whole === null) return BAD;
  const end = at + whole;
  if (end > buf.length) return SHORT;
  if (checksum(buf, at) !== buf.readUInt32BE(at + 8)) return BAD;
  const message = payloadMessage(buf.subarray(at + FRAME_HEADER, end));
  return message ? { ok: true, end, message } : BAD;
}

/** [u16 topic length][topic][u16 key length][key][value], or null when the lengths do not fit. */
function payloadMessage(payload: Buffer): OutgoingMessage | null {
  const topicLength = payload.readUInt16BE(0);
  const keyStart = 2 + topicLength;
  if (keyStart + 2 > payload.length) return null;
  const keyLength = payload.readUInt16BE(keyStart);
  if (keyStart + 2 + keyLength > payload.length) return null;
  return {
    topic: payload.subarray(2, keyStart).toString('utf8'),
    key: payload.subarray(keyStart + 2, keyStart + 2 + keyLength).toString('utf8'),
    value: Buffer.from(payload.subarray(keyStart + 2 + keyLength)),
  };
}

export interface DecodedFrames {
  messages: OutgoingMessage[];
  /** bytes of `buf` read: the intact frames and the corrupt regions skipped between them */
  bytes: number;
  /** corrupt regions skipped (each held at least one frame) and their bytes */
  lost: { regions: number; bytes: number };
}

/**
 * Reads frames from `buf`, skipping corrupt regions to the next intact frame. `final`: buf reaches the end of the
 * spool, so a frame cut off at its end (or garbage up to it) is a torn tail and is left unread (bytes stops before
 * it); otherwise such a frame may continue past buf and reading stops there for the caller to read further.
 */
export function decodeFrames(buf: Buffer, options: { limit?: number; final?: boolean } = {}): DecodedFrames {
  const limit = options.limit ?? Infinity;
  const final = options.final ?? true;
  const messages: OutgoingMessage[] = [];
  const lost = { regions: 0, bytes: 0 };
  let at = 0;
  while (at < buf.length && messages.length < limit) {
    const frame = frameAt(buf, at);
    if (frame.ok) {
      messages.push(frame.message);
      at = frame.end;
      continue;
    }
    if (frame.short && !final) break;
    const next = nextFrame(buf, at + 1, final);
    if (next.at < 0) break; // final: a torn tail
    lost.regions++;
    lost.bytes += next.at - at;
    at = next.at;
    // Not the end of the spool and no frame in sight: the caller reads on from here.
    if (!next.found) break;
  }
  return { messages, bytes: at, lost };
}

/**
 * Where the next intact frame starts at or after `from`, or, when buf is not the end of the spool, a marker whose
 * frame buf cuts off. Not found: -1 at the end of the spool, else the last bytes that could begin a marker.
 */
function nextFrame(buf: Buffer, from: number, final: boolean): { at: number; found: boolean } {
  for (let p = buf.indexOf(FRAME_MAGIC, from); p >= 0; p = buf.indexOf(FRAME_MAGIC, p + 1)) {
    const frame = frameAt(buf, p);
    if (frame.ok || (frame.short && !final)) return { at: p, found: true };
  }
  return { at: final ? -1 : Math.max(from, buf.length - (FRAME_MAGIC.length - 1)), found: false };
}

/**
 * Frames of the format before the sync marker ([u32 length][u32 crc32(payload)][payload], same payload), read once
 * to rewrite an old spool in the current format; stops at the first frame that does not check out.
 */
export function decodeLegacyFrames(buf: Buffer): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (let at = 0; at + 8 <= buf.length;) {
    const length = buf.readUInt32BE(at);
    const end = at + 8 + length;
    if (length < 4 || end > buf.length) break;
    const payload = buf.subarray(at + 8, end);
    if (crc32(payload) !== buf.readUInt32BE(at + 4)) break;
    const message = payloadMessage(payload);
    if (!message) break;
    messages.push(message);
    at = end;
  }
  return messages;
}
