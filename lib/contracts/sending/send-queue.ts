import { Queue, type ConnectionOptions } from 'bullmq';
import type { FromSchema } from 'json-schema-to-ts';
import { defineMessage, fields, messageUnion } from '../messages/message-schema';
import { directSendJobMessage, type DirectSendJob } from './direct-send';
import { MAX_SEND_BATCH, SEND_QUEUE, sendBatchJobMessage, type SendBatchJob } from './send-request';
import { testSendJobMessage, type TestSendJob } from './test-send';

/**
 * A friend's copy, as ingest published it on the forward-requests topic (its Avro schema:
 * lib/contracts/tracking/forward-request.avsc); the sender queues it for itself so BullMQ retries it.
 */
const forwardRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'request_id',
    'requested_at',
    'workspace_id',
    'new_message_id',
    'friend_address',
    'forwarded_by_contact_id',
    'original_message_id',
    'email_id',
    'email_version',
    'journey_id',
    'tile_id',
    'iteration',
  ],
  properties: {
    request_id: fields.uuid,
    requested_at: fields.integer,
    workspace_id: fields.uuid,
    new_message_id: fields.uuid,
    friend_address: fields.id,
    forwarded_by_contact_id: fields.uuid,
    original_message_id: fields.id,
    email_id: fields.uuid,
    email_version: fields.integer,
    journey_id: fields.nullableId,
    tile_id: fields.nullableId,
    iteration: fields.integer,
  },
} as const;

export const forwardJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'kind', 'request'],
  properties: { v: { const: 1 }, kind: { const: 'forward' }, request: forwardRequestSchema },
} as const;

/** Deliveries to try again, by their ledger key (sender_deliveries): the sender's own job after a failure. */
export const retryJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'kind', 'keys'],
  properties: {
    v: { const: 1 },
    kind: { const: 'retry' },
    keys: { type: 'array', minItems: 1, maxItems: MAX_SEND_BATCH, items: fields.id },
  },
} as const;

export type ForwardJob = FromSchema<typeof forwardJobSchema>;
export type RetryJob = FromSchema<typeof retryJobSchema>;

export const forwardJobMessage = defineMessage('forward job', 1, forwardJobSchema, { unversionedIsV1: true });
export const retryJobMessage = defineMessage('retry job', 1, retryJobSchema, { unversionedIsV1: true });

/** Everything on SEND_QUEUE: the journey's batches, the API's test sends, one-to-one messages, the sender's own jobs. */
export type SendQueueJob = SendBatchJob | TestSendJob | DirectSendJob | ForwardJob | RetryJob;

/**
 * The one decoder of SEND_QUEUE, by `kind`. A job queued by the build before v1 carries no `v` and is read as v1
 * (docs/messages.md#versions).
 */
export const sendQueueMessage = messageUnion<SendQueueJob>('send queue job', {
  journey: sendBatchJobMessage,
  test: testSendJobMessage,
  direct: directSendJobMessage,
  forward: forwardJobMessage,
  retry: retryJobMessage,
});

/** SEND_QUEUE for a writer: typed, so every job it adds is one of the queue's messages with its `v`. */
export function sendQueueOf(connection: ConnectionOptions, prefix: string): Queue<SendQueueJob> {
  return new Queue<SendQueueJob>(SEND_QUEUE, { connection, prefix });
}
