import type { Pool } from 'pg';
import { readAddressReport } from '../../lib/contracts/suppression/address-report';
import { startDecodingConsumer, type DecodingConsumerOptions } from '../../lib/platform/kafka/decoding-consumer';
import { applyAddressReports } from './suppression.repository';
import { readForwardRequest, type ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';

type Consumer = Awaited<ReturnType<typeof startDecodingConsumer>>;
type Common = Pick<
  DecodingConsumerOptions<unknown>,
  'kafka' | 'deadLetterTopic' | 'producer' | 'log' | 'poisonAttempts'
>;

/**
 * Forward requests from ingest → a sender job each; offsets commit only after the job is in Redis. They are their
 * own Avro record on their own topic: anything else there is dead-lettered by the consumer.
 */
export function consumeForwardRequests(
  common: Common,
  options: { groupId: string; topic: string; enqueue: (requests: ForwardRequest[]) => Promise<void> },
): Promise<Consumer> {
  return startDecodingConsumer({
    ...common,
    groupId: options.groupId,
    topics: [options.topic],
    decode: readForwardRequest,
    onBatch: (requests) => options.enqueue(requests.map((r) => r.value)),
  });
}

/** The suppression writer's consumer group: CAIRN_SENDER_GROUP_ID with a suffix, like the forwards'. */
export const addressReportsGroup = (groupId: string): string => `${groupId}-address-reports`;

/**
 * The suppression writer: deliveries, bounces and complaints of one address, reported by ingest and by the sender's
 * own pipeline, applied in their order (suppression.repository.ts holds the NOTE on the one writer).
 * NOTE: idempotent: bounces and complaints by report_id (webhook_receipts), deliveries by what they set.
 */
export function consumeAddressReports(
  common: Common,
  options: { groupId: string; topic: string; pool: Pool },
): Promise<Consumer> {
  return startDecodingConsumer({
    ...common,
    groupId: options.groupId,
    topics: [options.topic],
    decode: readAddressReport,
    onBatch: (consumed) =>
      applyAddressReports(
        options.pool,
        consumed.map((c) => c.value),
      ),
  });
}
