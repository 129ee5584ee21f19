import type { FromSchema } from 'json-schema-to-ts';
import { defineMessage, fields } from '../messages/message-schema';

/** Most addresses in one test send (POST /v1/emails/{id}/test-send refuses more). */
export const MAX_TEST_ADDRESSES = 10;

/**
 * A test send from the API (POST /v1/emails/{id}/test-send), queued on SEND_QUEUE next to the journey's batches.
 * The API renders the draft for the chosen contact; the sender delivers it to each address once (no tracking,
 * no events: a test is not a KPI), keyed `test:<request_id>:<index>`.
 */
export const testSendJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'v',
    'kind',
    'request_id',
    'workspace_id',
    'email_id',
    'to',
    'subject',
    'from_name',
    'from_address',
    'reply_to',
    'html',
    'requested_at',
  ],
  properties: {
    v: { const: 1 },
    kind: { const: 'test' },
    request_id: fields.uuid,
    workspace_id: fields.uuid,
    email_id: fields.uuid,
    to: { type: 'array', minItems: 1, maxItems: MAX_TEST_ADDRESSES, items: fields.id },
    subject: fields.text,
    from_name: fields.text,
    from_address: fields.text,
    reply_to: { type: ['string', 'null'] },
    html: fields.text,
    /** epoch milliseconds */
    requested_at: fields.integer,
  },
} as const;

export type TestSendJob = FromSchema<typeof testSendJobSchema>;

export const testSendJobMessage = defineMessage('test send', 1, testSendJobSchema, { unversionedIsV1: true });

/** Adding the same request twice is a no-op while BullMQ holds the job. */
export const testSendJobId = (requestId: string): string => `test-${requestId}`;
