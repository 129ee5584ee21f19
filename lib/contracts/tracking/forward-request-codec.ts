import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { CairnError } from '../../platform/errors';
import { rabinFingerprint } from '../events/fingerprint';

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

const MAGIC = Buffer.from([0xc3, 0x01]);
const type = avro.Type.forSchema(JSON.parse(readFileSync(join(__dirname, 'forward-request.avsc'), 'utf8')));
const fingerprint = rabinFingerprint(JSON.stringify(type.schema()));
const HEADER = MAGIC.length + fingerprint.length;

export function encodeForwardRequest(request: ForwardRequest): Buffer {
  return Buffer.concat([MAGIC, fingerprint, type.toBuffer(request)]);
}

/** null for anything that is not a forward request of this schema. */
export function decodeForwardRequest(buf: Buffer): ForwardRequest | null {
  if (buf.length < HEADER || !buf.subarray(0, 2).equals(MAGIC) || !buf.subarray(2, HEADER).equals(fingerprint)) return null;
  try {
    const { value, offset } = type.decode(buf, HEADER);
    return offset === buf.length ? (value as ForwardRequest) : null;
  } catch {
    return null;
  }
}

/** The forward-request topic's decoder (lib/platform/kafka/decoding-consumer.ts): anything else is dead-lettered. */
export function readForwardRequest(buf: Buffer): ForwardRequest {
  const request = decodeForwardRequest(buf);
  if (!request) throw new CairnError('EVENT_INVALID', 'not a forward request');
  return request;
}
