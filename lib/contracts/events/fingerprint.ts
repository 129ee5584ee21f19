/**
 * CRC-64-AVRO (Rabin) fingerprint of a schema's Parsing Canonical Form, as the Avro specification defines it
 * for single-object encoding. Computed once per schema at load, never on the hot path.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  return fp & MASK;
});

export function rabinFingerprint(canonical: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonical, 'utf8')) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp & MASK);
  return out;
}
