import type { FromSchema } from 'json-schema-to-ts';
import { hashedJobId } from '../../platform/redis/job-id';
import { defineMessage, fields } from '../messages/message-schema';

/** Most recipients of one one-to-one message (POST /v1/engagement/messages refuses more): one request each. */
export const MAX_DIRECT_RECIPIENTS = 10;

/** Most attachments of one one-to-one message. */
export const MAX_DIRECT_ATTACHMENTS = 10;

/**
 * A one-to-one message (email engagement, docs/engagement.md) handed to the sender: one request per recipient,
 * all of one message in one job on SEND_QUEUE. The message's content is a frozen email version (email_versions,
 * email_links) like a journey email's, so the sender renders it with the same renderer and ingest trusts its
 * tokens the same way.
 *
 * NOTE: exactly once is keyed by `DirectSendRequest.key` (`direct:<message id>:<recipient index>`) in the
 * sender's ledger (sender_deliveries): a job queued twice (the engagement poller retrying after a crash, the API
 * and the poller both dispatching) sends each recipient once.
 */
const directSendRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'key',
    'workspace_id',
    'engagement_message_id',
    'contact_id',
    'delivery_message_id',
    'email_id',
    'email_version',
    'followed',
    'attach_ids',
    'requested_at',
  ],
  properties: {
    key: fields.id,
    workspace_id: fields.uuid,
    /** engagement_messages.id */
    engagement_message_id: fields.uuid,
    contact_id: fields.uuid,
    /** this recipient's message_id: tokens, Message-ID (<id@from-domain>), the In-Reply-To of replies */
    delivery_message_id: fields.uuid,
    email_id: fields.uuid,
    email_version: fields.integer,
    /** beacon and signed links (true), or the original links with every attachment attached (false) */
    followed: { type: 'boolean' },
    /** engagement_attachments the sender attaches to the MIME (unfollowed ones, or all when not followed) */
    attach_ids: { type: 'array', maxItems: MAX_DIRECT_ATTACHMENTS, items: fields.uuid },
    /** epoch milliseconds */
    requested_at: fields.integer,
  },
} as const;

export const directSendJobSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'kind', 'requests'],
  properties: {
    v: { const: 1 },
    kind: { const: 'direct' },
    requests: { type: 'array', minItems: 1, maxItems: MAX_DIRECT_RECIPIENTS, items: directSendRequestSchema },
  },
} as const;

export type DirectSendJob = FromSchema<typeof directSendJobSchema>;
export type DirectSendRequest = DirectSendJob['requests'][number];

export const directSendJobMessage = defineMessage('direct send', 1, directSendJobSchema, { unversionedIsV1: true });

export const directSendKey = (messageId: string, index: number): string => `direct:${messageId}:${index}`;

/** One job per message: re-adding it is a no-op while BullMQ holds it (and the ledger covers the rest). */
export const directSendJobId = (messageId: string): string => hashedJobId('direct', messageId);
