/**
 * Error catalog: stable codes with a retriable flag. Edges that talk to the outside (SMTP, webhooks, rendering)
 * return Result values instead of throwing, so callers decide between retry, dead-letter and give-up.
 */
export const ERROR_CATALOG = {
  EVENT_TOO_SHORT: { retriable: false, message: 'message shorter than the single-object header' },
  EVENT_BAD_MAGIC: { retriable: false, message: 'message is not Avro single-object encoded' },
  EVENT_UNKNOWN_SCHEMA: { retriable: false, message: 'schema fingerprint is not known to this build' },
  EVENT_TRUNCATED: { retriable: false, message: 'Avro body ends before the record does' },
  EVENT_TRAILING_BYTES: { retriable: false, message: 'bytes left after the Avro record' },
  EVENT_INVALID: { retriable: false, message: 'event does not match its schema' },
  SQL_BAD_VALUE: { retriable: false, message: 'value cannot be bound into SQL' },
  MIGRATION_EDITED: { retriable: false, message: 'an applied migration file was edited' },
  MIGRATION_DUPLICATE: { retriable: false, message: 'two migration files share a number' },
  MIGRATION_FAILED: { retriable: false, message: 'a migration statement failed' },
  KAFKA_UNAVAILABLE: { retriable: true, message: 'Kafka did not accept the write' },
  CLICKHOUSE_UNAVAILABLE: { retriable: true, message: 'ClickHouse did not accept the write' },
  // journey engine: the reason of tile_failed events
  JOURNEY_EMAIL_MISSING: { retriable: false, message: "the email tile's email was deleted or is no longer live" },
  JOURNEY_LIST_MISSING: { retriable: false, message: "the journey's subscription list was deleted" },
  JOURNEY_CONTACT_MISSING: { retriable: false, message: 'the contact was deleted while on the journey' },
  WEBHOOK_FAILED: { retriable: true, message: 'the launch-workflow webhook did not answer 2xx' },
  WEBHOOK_DEAD_LETTERED: { retriable: false, message: 'the launch-workflow webhook failed every attempt' },
  /** lower case: the reason the issue names; the destination resolves to an address the policy refuses (docs/security.md) */
  egress_refused: { retriable: false, message: 'the egress policy refuses this destination' },
  EGRESS_FAILED: { retriable: true, message: 'the outbound HTTP exchange failed' },
  // sender: the error_code of sending_failed events
  CONTACT_NOT_FOUND: { retriable: false, message: 'the contact of a send request no longer exists' },
  VERSION_NOT_FOUND: { retriable: false, message: 'the email version of a send request is not frozen' },
  RENDER_FAILED: { retriable: false, message: 'the frozen version could not be rendered for this recipient' },
  SMTP_UNAVAILABLE: { retriable: true, message: 'the SMTP relay could not be reached within the attempts' },
  SMTP_ENVELOPE_UNSAFE: {
    retriable: false,
    message: 'an envelope address holds characters no SMTP path may (CR, LF, NUL, space, <, >): nothing was written',
  },
  SMTPUTF8_NOT_OFFERED: {
    retriable: false,
    message: 'an envelope address needs SMTPUTF8 (RFC 6531) and the relay does not offer it: nothing was written',
  },
  SENDER_ADDRESS_INVALID: {
    retriable: false,
    message: "the message's from or reply-to address is not one plain address",
  },
  RENDER_BUDGET_EXCEEDED: {
    retriable: false,
    message: 'the template would render beyond its size budget, or iterates over contact data',
  },
  /** lower case: the reason the issue and the results name; never retried, the message may have been delivered */
  outcome_unknown: { retriable: false, message: 'the SMTP reply to a handed-over message was never recorded' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class CairnError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(detail ? `${ERROR_CATALOG[code].message}: ${detail}` : ERROR_CATALOG[code].message, options);
    this.name = 'CairnError';
    this.retriable = ERROR_CATALOG[code].retriable;
  }
}

export type Result<T, E = CairnError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
