import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { rabinFingerprint } from './events/fingerprint';

const MAGIC = Buffer.from([0xc3, 0x01]);

/**
 * One Avro record type alone on its topic (forward requests, address reports), in single-object encoding like the
 * events (C3 01, the schema's CRC-64-AVRO fingerprint, the body; docs/event-contract.md). `T` mirrors the schema.
 */
export class SingleObjectRecord<T> {
  private readonly type: avro.Type;
  private readonly fingerprint: Buffer;
  private readonly header: number;

  constructor(schemaPath: string) {
    this.type = avro.Type.forSchema(JSON.parse(readFileSync(schemaPath, 'utf8')));
    this.fingerprint = rabinFingerprint(JSON.stringify(this.type.schema()));
    this.header = MAGIC.length + this.fingerprint.length;
  }

  encode(record: T): Buffer {
    return Buffer.concat([MAGIC, this.fingerprint, this.type.toBuffer(record)]);
  }

  /** The record, or null for anything that is not exactly one record of this schema. */
  decode(buf: Buffer): T | null {
    if (
      buf.length < this.header ||
      !buf.subarray(0, 2).equals(MAGIC) ||
      !buf.subarray(2, this.header).equals(this.fingerprint)
    )
      return null;
    try {
      const { value, offset } = this.type.decode(buf, this.header);
      // The schema's own decoder checked every field's type and every enum symbol; T mirrors that schema.
      return offset === buf.length ? (value as T) : null;
    } catch {
      return null;
    }
  }
}
