import type { EventCodec } from '../../lib/contracts/events/event-codec';
import type { EmailEvent } from '../../lib/contracts/events/event-types';

export type TrackedEvent = EmailEvent<'open'> | EmailEvent<'click'>;

const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_BYTES = MAGIC.length + 8;
const INT_MAX = 0x7fffffff;

/**
 * The pixel and redirect build their events field by field, in schema order, from a MAC-verified token
 * (see emailContext), so EventCodec's per-event clone and validation pass is redundant on that path and was
 * about a fifth of a hit's CPU. This writes the same single-object encoding straight with the newest schema;
 * anything it cannot vouch for (an int field out of range) goes through EventCodec, which validates and
 * throws EVENT_INVALID. A test checks both produce identical bytes.
 */
export class TrackedEventEncoder {
  /** Large enough for any tracked event (ids ≤ 200 bytes, user agent ≤ 512 chars, URL ≤ 2 KB). */
  private readonly scratch = Buffer.allocUnsafeSlow(64 * 1024);

  constructor(private readonly codec: EventCodec) {}

  encode(event: TrackedEvent): Buffer {
    const { data } = event;
    if (!inInt32(data.email_version) || !inInt32(data.iteration ?? 0)) return this.codec.encode(event);
    const schema = this.codec.schemaFor(event.type);
    MAGIC.copy(this.scratch, 0);
    schema.fingerprint.copy(this.scratch, MAGIC.length);
    const end = schema.type.encode(data, this.scratch, HEADER_BYTES);
    // A negative end means the scratch buffer was too small: let the codec allocate.
    if (end < 0) return this.codec.encode(event);
    return Buffer.from(this.scratch.subarray(0, end));
  }
}

function inInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -INT_MAX - 1 && value <= INT_MAX;
}
