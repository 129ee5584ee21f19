import Ajv, { type ValidateFunction } from 'ajv';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/**
 * Messages between processes that are not Avro (queued jobs, outbox rows): each is a JSON schema with a version,
 * compiled once, read by one decode function that returns the typed value or says what is wrong
 * (docs/messages.md, docs/conventions.md#messages-between-processes).
 */

/** Why a message could not be read: which message, the version it carried, the first failing field and why. */
export interface MessageError {
  message: string;
  /** the `v` the data carried (undefined when it had none) */
  version: unknown;
  /** JSON pointer of the first failing field ('' for the message itself) */
  path: string;
  reason: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: MessageError };

export interface MessageType<T> {
  readonly name: string;
  readonly version: number;
  decode(data: unknown): Decoded<T>;
}

/** One line for logs and dead letters. */
export const describeMessageError = (error: MessageError): string =>
  `${error.message} ${error.version === undefined ? 'without v' : `v${String(error.version)}`}: ${error.path || '(message)'} ${error.reason}`;

/** Ids the producer always writes as uuids (PostgreSQL uuid columns, randomUUID). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Field schemas the messages share. */
export const fields = {
  id: { type: 'string', minLength: 1 },
  uuid: { type: 'string', pattern: UUID_PATTERN },
  nullableId: { type: ['string', 'null'], minLength: 1 },
  nullableUuid: { type: ['string', 'null'], pattern: UUID_PATTERN },
  integer: { type: 'integer' },
  text: { type: 'string' },
} as const;

// One compiler for every message: each schema is compiled once, when its module is loaded. strict refuses a
// schema keyword ajv does not know (a typo would silently check nothing); no coercion, no defaults: a message is
// read as it was written.
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: false, coerceTypes: false, useDefaults: false });

const isRecord = (data: unknown): data is Record<string, unknown> =>
  typeof data === 'object' && data !== null && !Array.isArray(data);

export interface MessageOptions {
  /**
   * Read a message without `v` as v1: the build before v1 wrote none, and its jobs or rows may still wait when the
   * new build starts (docs/messages.md#versions).
   */
  unversionedIsV1?: boolean;
}

/**
 * A message type from its JSON schema (`as const`, with `v: { const: <version> }` among its required properties);
 * the decoded type is what json-schema-to-ts derives from the same schema, so the type and the check cannot drift.
 */
export function defineMessage<const S extends JSONSchema>(
  name: string,
  version: number,
  schema: S,
  options: MessageOptions = {},
): MessageType<FromSchema<S>> {
  return compileMessage<FromSchema<S>>(name, version, schema, options);
}

function compileMessage<T>(name: string, version: number, schema: JSONSchema, options: MessageOptions): MessageType<T> {
  // The one cast: ajv cannot derive a type from a schema, json-schema-to-ts can (defineMessage); the validator
  // checks exactly that schema, so what passes it has the type derived from it.
  const validate = ajv.compile<unknown>(schema) as ValidateFunction<T>;
  const fail = (seen: unknown, path: string, reason: string): Decoded<T> => ({
    ok: false,
    error: { message: name, version: seen, path, reason },
  });
  return {
    name,
    version,
    decode(data: unknown): Decoded<T> {
      if (!isRecord(data)) return fail(undefined, '', 'must be an object');
      const seen = data.v;
      const legacy = options.unversionedIsV1 === true && version === 1 && seen === undefined;
      if (seen === undefined && !legacy) return fail(seen, '/v', 'is missing: every message carries its version');
      if (!legacy && seen !== version) return fail(seen, '/v', `is not a version this reader knows (${version})`);
      const candidate: unknown = legacy ? { ...data, v: 1 } : data;
      // ajv's type guard narrows `candidate` to T: the value is the data as read
      if (validate(candidate)) return { ok: true, value: candidate };
      const first = validate.errors?.[0];
      return fail(seen, first?.instancePath ?? '', first?.message ?? 'does not match its schema');
    },
  };
}

/**
 * Several message types on one queue, told apart by `kind`: one decoder for all of them. A `kind` the reader does
 * not know is an error naming /kind.
 */
export function messageUnion<T extends { kind: string }>(
  name: string,
  members: { [K in T['kind']]: MessageType<Extract<T, { kind: K }>> },
): MessageType<T> {
  // Each member decodes one kind of T, so each is a MessageType<T> (its value is one of the union's types).
  const byKind = new Map<string, MessageType<T>>(Object.entries<MessageType<T>>(members));
  return {
    name,
    version: 1,
    decode(data: unknown): Decoded<T> {
      const kind = isRecord(data) ? data.kind : undefined;
      const member = typeof kind === 'string' ? byKind.get(kind) : undefined;
      if (member) return member.decode(data);
      const version = isRecord(data) ? data.v : undefined;
      const known = [...byKind.keys()].join(', ');
      return { ok: false, error: { message: name, version, path: '/kind', reason: `must be one of ${known}` } };
    },
  };
}
