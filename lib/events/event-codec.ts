import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { CairnError } from '../errors';
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

  /** Never crashes on foreign bytes: every malformed input is a CairnError with a stable code. */
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
    return { type: entry.writer.eventType, data: decoded.value } as CairnEvent;
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
