import { createHash } from 'node:crypto';

/** SHA-256 round constants (FIPS 180-4, 4.2.2). */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;

/** One SHA-256 compression of the 64 bytes at buf[at..] into state. Branch-free on the data: constant time. */
function compress(state: Int32Array, w: Int32Array, buf: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + i * 4;
    w[i] = ((buf[j] as number) << 24) | ((buf[j + 1] as number) << 16) | ((buf[j + 2] as number) << 8) | (buf[j + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15] as number;
    const w2 = w[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/**
 * HMAC-SHA256 (RFC 2104) for short messages, with the key's inner and outer pad blocks compressed once.
 *
 * Why not node:crypto: a tracking hit signs ~100 bytes, so the hash itself is three compressions; createHmac
 * spends most of its time creating the Hmac object and crossing into C++ (2.8 µs in a micro-benchmark, a few
 * times that under load), this ~1.5 µs without allocating. The pad midstates stand in for the key; a test
 * checks every length against createHmac. Not re-entrant (shared scratch), which a single JS thread never needs.
 */
export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly tail = new Uint8Array(2 * BLOCK);
  private readonly innerDigest = new Uint8Array(32);
  private readonly scratch = new Uint8Array(32);

  constructor(key: Uint8Array) {
    const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
    const pad = new Uint8Array(BLOCK);
    for (const [state, byte] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      for (let i = 0; i < BLOCK; i++) pad[i] = (k[i] ?? 0) ^ byte;
      state.set(IV);
      compress(state, this.w, pad, 0);
    }
    pad.fill(0);
  }

  /** SHA-256 of (the 64-byte pad block in `start`) ‖ msg[from, to), as 32 bytes into out[0..32). */
  private finish(start: Int32Array, msg: Uint8Array, from: number, to: number, out: Uint8Array): void {
    const { state, w, tail } = this;
    state.set(start);
    let at = from;
    for (; to - at >= BLOCK; at += BLOCK) compress(state, w, msg, at);
    const rest = to - at;
    tail.fill(0);
    for (let i = 0; i < rest; i++) tail[i] = msg[at + i] as number;
    tail[rest] = 0x80;
    const end = rest + 9 > BLOCK ? 2 * BLOCK : BLOCK;
    const bits = (BLOCK + to - from) * 8;
    tail[end - 5] = Math.floor(bits / 2 ** 32) & 0xff;
    tail[end - 4] = bits >>> 24;
    tail[end - 3] = (bits >>> 16) & 0xff;
    tail[end - 2] = (bits >>> 8) & 0xff;
    tail[end - 1] = bits & 0xff;
    compress(state, w, tail, 0);
    if (end > BLOCK) compress(state, w, tail, BLOCK);
    for (let i = 0; i < 8; i++) {
      const v = state[i] as number;
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = (v >>> 16) & 0xff;
      out[i * 4 + 2] = (v >>> 8) & 0xff;
      out[i * 4 + 3] = v & 0xff;
    }
  }

  /** The MAC of msg[from, to) into out (32 bytes; out may be a reused buffer). */
  digestInto(msg: Uint8Array, from: number, to: number, out: Uint8Array): Uint8Array {
    this.finish(this.inner, msg, from, to, this.innerDigest);
    this.finish(this.outer, this.innerDigest, 0, 32, out);
    return out;
  }

  /**
   * Whether the first `length` bytes of the MAC of msg[from, to) equal expected[at, at + length), compared in
   * constant time (every byte is looked at whatever differs).
   */
  verify(msg: Uint8Array, from: number, to: number, expected: Uint8Array, at: number, length: number): boolean {
    const mac = this.digestInto(msg, from, to, this.scratch);
    let diff = expected.length - at >= length ? 0 : 1;
    for (let i = 0; i < length; i++) diff |= (mac[i] as number) ^ ((expected[at + i] as number) | 0);
    return diff === 0;
  }
}
