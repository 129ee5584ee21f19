import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { CairnError } from '../../platform/errors';
import { rangeProblem } from './event-ranges';
import { type CairnEvent, type EventType, isEventType } from './event-types';
import { rabinFingerprint } from './fingerprint';

/**
 * Avro single-object encoding (Avro spec): 0xC3 0x01, the writer schema's 8-byte CRC-64-AVRO fingerprint
 * (little-endian), then the Avro binary body. Every schema version ever shipped stays in ./schemas, so a
 * consumer reads old and new messages: it finds the writer schema by fingerprint and resolves it to the
 * newest version of that event type.
 */
const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_BYTES = MAGIC.length + 8;
const SCHEMA_FILE = /^([a-z_]+)\.v(\d+)\.avsc$/;

export interface SchemaVersion {
  eventType: EventType;
  version: number;
  type: avro.Type;
  fingerprint: Buffer;
}

interface Registry {
  latest: Map<EventType, SchemaVersion>;
  byFingerprint: Map<string, { writer: SchemaVersion; resolver: avro.Resolver | null }>;
}

export function loadRegistry(dir = join(__dirname, 'schemas')): Registry {
  const versions: SchemaVersion[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = SCHEMA_FILE.exec(file);
    if (!match) continue;
    const [, eventType = '', version = '0'] = match;
    if (!isEventType(eventType)) throw new Error(`schema file ${file} names no known event type`);
    const type = avro.Type.forSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    const fingerprint = rabinFingerprint(JSON.stringify(type.schema()));
    versions.push({ eventType, version: Number(version), type, fingerprint });
  }
  const latest = new Map<EventType, SchemaVersion>();
  for (const v of versions) {
    const current = latest.get(v.eventType);
    if (!current || current.version < v.version) latest.set(v.eventType, v);
  }
  const byFingerprint = new Map<string, { writer: SchemaVersion; resolver: avro.Resolver | null }>();
  for (const writer of versions) {
    const reader = latest.get(writer.eventType) as SchemaVersion;
    const resolver = reader === writer ? null : reader.type.createResolver(writer.type);
    byFingerprint.set(writer.fingerprint.toString('hex'), { writer, resolver });
  }
  return { latest, byFingerprint };
}

/**
 * The envelope (event-batch.avsc): several events of one contact in one Kafka message. Producing a message costs
 * the Kafka client some microseconds whatever its size, and the journey engine writes ~9 tile events per contact
 * it moves, so it sends them enveloped. It is not an event type: consumers unpack it (EventCodec.unbatch).
 */
const BATCH_TYPE = avro.Type.forSchema(JSON.parse(readFileSync(join(__dirname, 'event-batch.avsc'), 'utf8')));
const BATCH_FINGERPRINT = rabinFingerprint(JSON.stringify(BATCH_TYPE.schema()));

/** Fills defaults, drops unknown fields and checks types; a mismatch names the offending fields. */
function conform(type: avro.Type, event: CairnEvent): unknown {
  let value: unknown;
  try {
    value = type.clone(event.data, { wrapUnions: false });
  } catch (cause) {
    throw new CairnError('EVENT_INVALID', `${event.type}: ${(cause as Error).message}`, { cause });
  }
  const paths: string[] = [];
  if (!type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) })) {
    throw new CairnError('EVENT_INVALID', `${event.type}: ${paths.join(', ') || 'record'}`);
  }
  const outside = rangeProblem(value);
  if (outside) throw new CairnError('EVENT_INVALID', `${event.type}: ${outside}`);
  return value;
}

export class EventCodec {
  constructor(private readonly registry: Registry = loadRegistry()) {}

  schemaFor(eventType: EventType): SchemaVersion {
    const schema = this.registry.latest.get(eventType);
    if (!schema) throw new CairnError('EVENT_UNKNOWN_SCHEMA', eventType);
    return schema;
  }

  /** The newest version of every event type, each with its fingerprint (for readers that walk the bytes themselves). */
  latestSchemas(): SchemaVersion[] {
    return [...this.registry.latest.values()];
  }

  /** Encodes with the newest schema of the event's type; invalid data throws EVENT_INVALID naming the fields. */
  encode(event: CairnEvent): Buffer {
    const schema = this.schemaFor(event.type);
    const body = schema.type.toBuffer(conform(schema.type, event));
    return Buffer.concat([MAGIC, schema.fingerprint, body], HEADER_BYTES + body.length);
  }

  /**
   * Never crashes on foreign bytes: every malformed input is a CairnError with a stable code. A well-formed event
   * with a number no store can hold (event-ranges.ts: the event_time of -300,000,000,000,000) is refused
   * here too, so every consumer dead-letters it instead of failing on it downstream.
   */
  decode(buf: Buffer): CairnEvent {
    if (buf.length < HEADER_BYTES) throw new CairnError('EVENT_TOO_SHORT', `${buf.length} bytes`);
    if (buf[0] !== MAGIC[0] || buf[1] !== MAGIC[1]) throw new CairnError('EVENT_BAD_MAGIC');
    const fingerprint = buf.subarray(2, HEADER_BYTES).toString('hex');
    const entry = this.registry.byFingerprint.get(fingerprint);
    if (!entry) throw new CairnError('EVENT_UNKNOWN_SCHEMA', fingerprint);
    const reader = this.schemaFor(entry.writer.eventType).type;
    let decoded: { value: unknown; offset: number };
    try {
      decoded = entry.resolver
        ? reader.decode(buf, HEADER_BYTES, entry.resolver)
        : entry.writer.type.decode(buf, HEADER_BYTES);
    } catch (cause) {
      throw new CairnError('EVENT_TRUNCATED', (cause as Error).message, { cause });
    }
    if (decoded.offset < 0) throw new CairnError('EVENT_TRUNCATED', `${entry.writer.eventType} body`);
    if (decoded.offset !== buf.length) {
      throw new CairnError('EVENT_TRAILING_BYTES', `${buf.length - decoded.offset} bytes`);
    }
    const outside = rangeProblem(decoded.value);
    if (outside) throw new CairnError('EVENT_INVALID', `${entry.writer.eventType}: ${outside}`);
    return { type: entry.writer.eventType, data: decoded.value } as CairnEvent;
  }

  /**
   * Encodes an event this process built itself from typed values (the journey engine's tile events, ~9 per
   * contact it moves): avsc's writer fills defaults and refuses a wrong type, and the copy and the field-by-field
   * check of `encode` (more than half its cost) are skipped. Anything from outside goes through `encode`.
   */
  encodeOwn(event: CairnEvent): Buffer {
    const schema = this.schemaFor(event.type);
    let body: Buffer;
    try {
      body = schema.type.toBuffer(event.data);
    } catch (cause) {
      throw new CairnError('EVENT_INVALID', `${event.type}: ${(cause as Error).message}`, { cause });
    }
    return Buffer.concat([MAGIC, schema.fingerprint, body], HEADER_BYTES + body.length);
  }

  /** One envelope of a contact's already encoded events. */
  encodeBatch(contactId: string, events: Buffer[]): Buffer {
    const body = BATCH_TYPE.toBuffer({ contact_id: contactId, events });
    return Buffer.concat([MAGIC, BATCH_FINGERPRINT, body], HEADER_BYTES + body.length);
  }

  /**
   * The events an envelope carries (each a single-object encoded message of its own), or null when `buf` is not
   * an envelope. A malformed envelope is a CairnError, like a malformed event.
   */
  unbatch(buf: Buffer): Buffer[] | null {
    if (
      buf.length < HEADER_BYTES ||
      buf[0] !== MAGIC[0] ||
      buf[1] !== MAGIC[1] ||
      buf.compare(BATCH_FINGERPRINT, 0, 8, 2, HEADER_BYTES) !== 0
    )
      return null;
    let decoded: { value: { events?: Buffer[] } | undefined; offset: number };
    try {
      decoded = BATCH_TYPE.decode(buf, HEADER_BYTES) as typeof decoded;
    } catch (cause) {
      throw new CairnError('EVENT_TRUNCATED', (cause as Error).message, { cause });
    }
    if (decoded.offset < 0 || !decoded.value?.events) throw new CairnError('EVENT_TRUNCATED', 'event batch');
    if (decoded.offset !== buf.length)
      throw new CairnError('EVENT_TRAILING_BYTES', `${buf.length - decoded.offset} bytes`);
    return decoded.value.events;
  }

  /** Writes with a specific (possibly older) schema version; used by compatibility tests and replays. */
  encodeWithVersion(event: CairnEvent, version: number): Buffer {
    for (const { writer } of this.registry.byFingerprint.values()) {
      if (writer.eventType === event.type && writer.version === version) {
        const body = writer.type.toBuffer(conform(writer.type, event));
        return Buffer.concat([MAGIC, writer.fingerprint, body]);
      }
    }
    throw new CairnError('EVENT_UNKNOWN_SCHEMA', `${event.type} v${version}`);
  }
}
