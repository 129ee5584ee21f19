/** Appends events_ingest lines to one growing buffer (one per Kafka batch): the fast path's output (avro-tsv.ts). */
export class TsvOut {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `extra` more bytes. int, bytes and byte write unchecked: their caller reserved the room. */
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    this.grow(extra);
  }

  private grow(extra: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  ascii(text: string): void {
    this.ensure(text.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < text.length; i++) b[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /** A safe integer in decimal, as String() writes it (no call into the runtime, no string). */
  int(value: number): void {
    const b = this.buf;
    let n = value;
    if (n < 0) {
      b[this.pos++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      b[this.pos++] = 0x30 + n;
      return;
    }
    // digits by comparison (powers of ten are exact up to 1e22), then the low ones in 32-bit integer arithmetic
    let digits = 2;
    for (let power = 100; n >= power; power *= 10) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (; n > 0x7fffffff; n = Math.floor(n / 10)) b[--p] = 0x30 + (n % 10);
    for (let m = n | 0; m > 0; m = (m / 10) | 0) b[--p] = 0x30 + (m % 10);
  }

  utf8(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.ensure(bytes);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  bytes(src: Buffer, start: number, end: number): void {
    if (end - start < 48) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i] as number;
      this.pos = p;
    } else this.pos += src.copy(this.buf, this.pos, start, end);
  }

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  /** The lines written so far (a view, not a copy: the next batch starts a new TsvOut). */
  done(): Buffer {
    // Unchecked writes past a reservation would have been dropped: fail loudly rather than insert cut lines.
    if (this.pos > this.buf.length) throw new Error(`TsvOut: wrote ${this.pos} bytes into ${this.buf.length} reserved`);
    return this.buf.subarray(0, this.pos);
  }
}
