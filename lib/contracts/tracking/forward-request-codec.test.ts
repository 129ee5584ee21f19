import { CairnError } from '../../platform/errors';
import { encodeForwardRequest, readForwardRequest, type ForwardRequest } from './forward-request-codec';

const request: ForwardRequest = {
  request_id: '0b7e7a52-4d0e-4a51-9d55-7f1f3e0c1a01',
  requested_at: 1_760_000_000_000,
  workspace_id: 'ws',
  new_message_id: 'msg-new',
  friend_address: 'friend@example.org',
  forwarded_by_contact_id: '6a1f3e0c-1a01-4d0e-9d55-0b7e7a524a51',
  original_message_id: 'msg-old',
  email_id: 'email',
  email_version: 2,
  journey_id: null,
  tile_id: null,
  iteration: 0,
};

describe('readForwardRequest (the forward-request topic decoder)', () => {
  it('reads what encodeForwardRequest wrote, typed, without a cast at the consumer', () => {
    expect(readForwardRequest(encodeForwardRequest(request))).toEqual(request);
  });

  it('throws a coded error for anything else, so the consumer dead-letters it', () => {
    for (const bytes of [
      Buffer.from('not avro at all'),
      encodeForwardRequest(request).subarray(0, 12),
      Buffer.concat([encodeForwardRequest(request), Buffer.from([0])]),
    ]) {
      expect(() => readForwardRequest(bytes)).toThrow(CairnError);
      try {
        readForwardRequest(bytes);
      } catch (error) {
        expect((error as CairnError).code).toBe('EVENT_INVALID');
      }
    }
  });
});
