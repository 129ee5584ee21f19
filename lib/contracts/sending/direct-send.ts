import { hashedJobId } from '../../platform/redis/job-id';

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
export interface DirectSendRequest {
  key: string;
  workspace_id: string;
  /** engagement_messages.id */
  engagement_message_id: string;
  contact_id: string;
  /** this recipient's message_id: tokens, Message-ID (<id@from-domain>), the In-Reply-To of replies */
  delivery_message_id: string;
  email_id: string;
  email_version: number;
  /** beacon and signed links (true), or the original links with every attachment attached (false) */
  followed: boolean;
  /** engagement_attachments the sender attaches to the MIME (unfollowed ones, or all when not followed) */
  attach_ids: string[];
  /** epoch milliseconds */
  requested_at: number;
}

export interface DirectSendJob {
  kind: 'direct';
  requests: DirectSendRequest[];
}

export const directSendKey = (messageId: string, index: number): string => `direct:${messageId}:${index}`;

/** One job per message: re-adding it is a no-op while BullMQ holds it (and the ledger covers the rest). */
export const directSendJobId = (messageId: string): string => hashedJobId('direct', messageId);
