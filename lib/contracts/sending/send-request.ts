import type { FromSchema } from 'json-schema-to-ts';
import { hashedJobId } from '../../platform/redis/job-id';
import { defineMessage, fields } from '../messages/message-schema';

/**
 * The one contract between the journey engine (services/scheduler) and the sender (services/sender).
 *
 * The scheduler hands contacts to the sender as ids only; the sender loads the contact, the frozen email
 * version, the list and the content settings itself, so a request stays small and a million of them fit in
 * Redis. Requests travel in batches on one BullMQ queue; a batch is one job.
 *
 * NOTE: exactly once is keyed by `SendRequest.key` (`journey:tile:iteration:contact`). The queue may deliver
 * a batch more than once (a scheduler replays its outbox, BullMQ retries a stalled job); the sender records
 * each key in PostgreSQL before handing the message to SMTP and skips a key it has already recorded.
 */
export interface SendRequest {
  /** `journey:tile:iteration:contact`, see sendRequestKey */
  key: string;
  workspace_id: string;
  journey_id: string;
  tile_id: string;
  /** recurring journeys: 0 for the first pass */
  iteration: number;
  contact_id: string;
  /** when the journey targets accounts, the account the contact was processed for */
  account_id: string | null;
  email_id: string;
  email_version: number;
  /** the journey's subscription list: unsubscribe and eligibility are per list */
  list_id: string | null;
  /** the journey's content settings when it has them, else null (the sender falls back to the email's) */
  content_settings_id: string | null;
  /** the journey's minimum consent (0 = none required); the sender re-checks it just before sending */
  min_consent: number;
  /** epoch milliseconds when the scheduler made the request */
  requested_at: number;
}

/** Most requests in one job: big enough to amortise Redis round trips, small enough to retry cheaply. */
export const MAX_SEND_BATCH = 500;

/** What every request of one batch shares: one email tile of one journey and iteration, one step. */
export type SendBatchCommon = Omit<SendRequest, 'key' | 'contact_id' | 'account_id'>;

const { id, uuid, integer, nullableId, nullableUuid } = fields;

/** SendBatchCommon as a schema: the fields of SendRequest that a batch writes once. */
const sendBatchCommonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'workspace_id',
    'journey_id',
    'tile_id',
    'iteration',
    'email_id',
    'email_version',
    'list_id',
    'content_settings_id',
    'min_consent',
    'requested_at',
  ],
  properties: {
    workspace_id: uuid,
    journey_id: uuid,
    tile_id: id,
    iteration: integer,
    email_id: uuid,
    email_version: integer,
    list_id: nullableId,
    content_settings_id: nullableId,
    min_consent: integer,
    requested_at: integer,
  },
} as const;

/**
 * A BullMQ job on SEND_QUEUE carries one batch of requests, written once for what they share and then a contact
 * (and its account, when the journey targets accounts) per request: ~40 bytes a request in Redis instead of the
 * ~550 of a whole request, so a million-contact send waits in Redis in tens of megabytes. requestsOf expands it.
 * The scheduler's outbox holds the same message until it is relayed (docs/messages.md).
 */
export const sendBatchJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'kind', 'common', 'contacts'],
  properties: {
    v: { const: 1 },
    kind: { const: 'journey' },
    common: sendBatchCommonSchema,
    contacts: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_SEND_BATCH,
      items: {
        type: 'array',
        minItems: 2,
        maxItems: 2,
        items: [uuid, nullableUuid],
        additionalItems: false,
      },
    },
  },
} as const;

export type SendBatchJob = FromSchema<typeof sendBatchJobSchema>;

export const sendBatchJobMessage = defineMessage('send batch', 1, sendBatchJobSchema, { unversionedIsV1: true });

export function requestsOf(job: SendBatchJob): SendRequest[] {
  return job.contacts.map(([contact_id, account_id]) => ({
    ...job.common,
    key: sendRequestKey({ ...job.common, contact_id }),
    contact_id,
    account_id,
  }));
}

/** Requests as jobs: grouped by what they share, at most MAX_SEND_BATCH each, in the order they came. */
export function sendBatches(requests: readonly SendRequest[]): SendBatchJob[] {
  const groups = new Map<string, SendBatchJob[]>();
  const jobs: SendBatchJob[] = [];
  for (const { key: _key, contact_id, account_id, ...common } of requests) {
    const id = JSON.stringify(common);
    const open = groups.get(id);
    let job = open?.[open.length - 1];
    if (!job || job.contacts.length >= MAX_SEND_BATCH) {
      job = { v: 1, kind: 'journey', common, contacts: [] };
      jobs.push(job);
      if (open) open.push(job);
      else groups.set(id, [job]);
    }
    job.contacts.push([contact_id, account_id]);
  }
  return jobs;
}

/** The BullMQ queue name (prefixed by the Redis key prefix each service configures, default `cairn`). */
export const SEND_QUEUE = 'send';

export function sendRequestKey(parts: {
  journey_id: string;
  tile_id: string;
  iteration: number;
  contact_id: string;
}): string {
  return `${parts.journey_id}:${parts.tile_id}:${parts.iteration}:${parts.contact_id}`;
}

/**
 * A job id derived from the batch's keys, so re-adding the same batch is a no-op while BullMQ still holds it
 * (a hash: BullMQ refuses ':' in custom ids, and keys contain it).
 */
export function sendBatchJobId(job: SendBatchJob): string {
  if (job.contacts.length === 0) throw new RangeError('a send batch needs at least one request');
  let keys = '';
  for (const request of requestsOf(job)) keys += `${request.key}\n`;
  return hashedJobId('send', keys);
}
