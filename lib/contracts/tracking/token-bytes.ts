/**
 * The byte primitives of a tracking token (docs/ingest.md#tracking-token): varints, big-endian u32 and ids, a UUID
 * packed in 16 bytes behind a tag byte, any other id length-prefixed UTF-8. The token's layout and its MAC are in
 * tracking-token.ts.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_TAG = 0xff;
export const MAX_ID_BYTES = 200;

/** The value of one ASCII hex digit (the caller has checked the string is a UUID). */
function hexValue(code: number): number {
  return code <= 57 ? code - 48 : (code | 0x20) - 87;
}

/** Where each of a UUID's 16 bytes starts in its 36 characters. */
const UUID_POSITIONS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * Writes a token's bytes in place into a buffer sized for the largest token (no Buffer per field: minting is
 * per recipient and per link, eleven times for a message with ten links).
 */
export class Writer {
  at = 0;
  constructor(readonly buf: Buffer) {}
  byte(value: number): void {
    this.buf[this.at++] = value & 0xff;
  }
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad unsigned integer ${value}`);
    let rest = value;
    do {
      const low = rest % 128;
      rest = Math.floor(rest / 128);
      this.byte(rest > 0 ? low | 0x80 : low);
    } while (rest > 0);
  }
  u32(value: number): void {
    this.at = this.buf.writeUInt32BE(value >>> 0, this.at);
  }
  id(value: string): void {
    if (value.length === 36 && UUID.test(value)) {
      this.byte(UUID_TAG);
      for (const position of UUID_POSITIONS)
        this.byte((hexValue(value.charCodeAt(position)) << 4) | hexValue(value.charCodeAt(position + 1)));
      return;
    }
    const length = Buffer.byteLength(value, 'utf8');
    if (length === 0 || length > MAX_ID_BYTES) throw new RangeError('id must be 1..200 bytes');
    this.byte(length);
    this.at += this.buf.write(value, this.at, 'utf8');
  }
}

function hexDigit(nibble: number): number {
  return nibble < 10 ? 48 + nibble : 87 + nibble;
}

/** The two ASCII hex digits of each byte value, and where each of a UUID's 16 bytes goes in its 36 characters. */
const HEX_CODES = Uint16Array.from({ length: 256 }, (_, b) => (hexDigit(b >> 4) << 8) | hexDigit(b & 15));
/** A UUID's characters are written here and read back as one flat string (concatenating 20 pieces was slower). */
const uuidChars = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

/**
 * Every read is bounds-checked; a short or malformed buffer throws, and the caller turns that into null.
 * Single bytes are read in place (no subarray per byte: a token decode used to allocate ~15 of them).
 */
export class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.buf.length) throw new RangeError('token truncated');
    this.offset = at + n;
    return at;
  }
  byte(): number {
    return this.buf[this.need(1)] as number;
  }
  varint(): number {
    let value = 0;
    for (let shift = 1, i = 0; i < 8; i++, shift *= 128) {
      const b = this.byte();
      value += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new RangeError('varint too long');
  }
  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  id(): string {
    const tag = this.byte();
    if (tag === UUID_TAG) {
      const at = this.need(16);
      for (let i = 0; i < 16; i++) {
        const code = HEX_CODES[this.buf[at + i] as number] as number;
        const position = UUID_POSITIONS[i] as number;
        uuidChars[position] = code >> 8;
        uuidChars[position + 1] = code & 0xff;
      }
      return uuidChars.toString('latin1', 0, 36);
    }
    if (tag === 0 || tag > MAX_ID_BYTES) throw new RangeError('bad id length');
    const at = this.need(tag);
    return this.buf.toString('utf8', at, at + tag);
  }
  get atEnd(): boolean {
    return this.offset === this.buf.length;
  }
}
