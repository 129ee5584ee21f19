import { join } from 'node:path';
import { CairnError } from '../../platform/errors';
import { SingleObjectRecord } from '../single-object-record';

/** A message on the forwardRequests topic, Avro single-object encoded like the events. */
export interface ForwardRequest {
  request_id: string;
  /** epoch milliseconds */
  requested_at: number;
  workspace_id: string;
  new_message_id: string;
  friend_address: string;
  forwarded_by_contact_id: string;
  original_message_id: string;
  email_id: string;
  email_version: number;
  journey_id: string | null;
  tile_id: string | null;
  iteration: number;
}

const record = new SingleObjectRecord<ForwardRequest>(join(__dirname, 'forward-request.avsc'));

export function encodeForwardRequest(request: ForwardRequest): Buffer {
  return record.encode(request);
}

/** null for anything that is not a forward request of this schema. */
export function decodeForwardRequest(buf: Buffer): ForwardRequest | null {
  return record.decode(buf);
}

/** The forward-request topic's decoder (lib/platform/kafka/decoding-consumer.ts): anything else is dead-lettered. */
export function readForwardRequest(buf: Buffer): ForwardRequest {
  const request = decodeForwardRequest(buf);
  if (!request) throw new CairnError('EVENT_INVALID', 'not a forward request');
  return request;
}
