import { randomUUID } from 'node:crypto';
import { MAX_SEND_BATCH, sendBatches, sendRequestKey, type SendRequest } from './send-request';
import type { DirectSendJob } from './direct-send';
import { sendQueueMessage, type ForwardJob, type RetryJob } from './send-queue';
import type { TestSendJob } from './test-send';

const workspace = randomUUID();
const journey = randomUUID();
const email = randomUUID();
const request = (contact = randomUUID()): SendRequest => {
  const parts = { journey_id: journey, tile_id: 'mail', iteration: 0, contact_id: contact };
  return {
    ...parts,
    key: sendRequestKey(parts),
    workspace_id: workspace,
    account_id: null,
    email_id: email,
    email_version: 1,
    list_id: null,
    content_settings_id: null,
    min_consent: 0,
    requested_at: 1_790_000_000_000,
  };
};
const batches = sendBatches([request(), request()]);
if (batches.length !== 1 || !batches[0]) throw new Error('two requests of one tile make one batch');
const batch = batches[0];
const test: TestSendJob = {
  v: 1,
  kind: 'test',
  request_id: randomUUID(),
  workspace_id: workspace,
  email_id: randomUUID(),
  to: ['qa@example.com'],
  subject: 'Hi',
  from_name: 'Cairn',
  from_address: 'news@example.com',
  reply_to: null,
  html: '<p>Hi</p>',
  requested_at: 1_790_000_000_000,
};
const direct: DirectSendJob = {
  v: 1,
  kind: 'direct',
  requests: [
    {
      key: 'direct:m:0',
      workspace_id: workspace,
      engagement_message_id: randomUUID(),
      contact_id: randomUUID(),
      delivery_message_id: randomUUID(),
      email_id: randomUUID(),
      email_version: 2,
      followed: true,
      attach_ids: [randomUUID()],
      requested_at: 1_790_000_000_000,
    },
  ],
};
const forward: ForwardJob = {
  v: 1,
  kind: 'forward',
  request: {
    request_id: randomUUID(),
    requested_at: 1_790_000_000_000,
    workspace_id: workspace,
    new_message_id: randomUUID(),
    friend_address: 'friend@example.com',
    forwarded_by_contact_id: randomUUID(),
    original_message_id: randomUUID(),
    email_id: randomUUID(),
    email_version: 1,
    journey_id: null,
    tile_id: null,
    iteration: 0,
  },
};
const retry: RetryJob = { v: 1, kind: 'retry', keys: ['direct:m:0'] };

describe('the send queue', () => {
  it.each([batch, test, direct, forward, retry])('decodes a %p job to its typed value', (job) => {
    expect(sendQueueMessage.decode(job)).toEqual({ ok: true, value: job });
  });

  it('writes v: 1 in the batches it makes, and reads a job of the build before v1 (no v) as v1', () => {
    expect(batch).toMatchObject({ v: 1, kind: 'journey' });
    const { v: _v, ...unversioned } = test;
    expect(sendQueueMessage.decode(unversioned)).toEqual({ ok: true, value: test });
  });

  const contacts = Array.from({ length: MAX_SEND_BATCH + 1 }, (): [string, null] => [randomUUID(), null]);
  it.each([
    ['an unknown version', { ...test, v: 2 }, 'test send', '/v'],
    ['an unknown kind', { ...test, kind: 'fax' }, 'send queue job', '/kind'],
    ['no kind', { ...retry, kind: undefined }, 'send queue job', '/kind'],
    ['a missing field', { ...test, html: undefined }, 'test send', ''],
    [
      'an ill-typed field',
      { ...batch, common: { ...batch.common, iteration: '0' } },
      'send batch',
      '/common/iteration',
    ],
    ['a contact that is no uuid', { ...batch, contacts: [['c-1', null]] }, 'send batch', '/contacts/0/0'],
    [`more than ${MAX_SEND_BATCH} contacts`, { ...batch, contacts }, 'send batch', '/contacts'],
    ['no contacts', { ...batch, contacts: [] }, 'send batch', '/contacts'],
    ['too many test addresses', { ...test, to: Array(11).fill('qa@example.com') }, 'test send', '/to'],
    [
      'an empty id',
      { ...forward, request: { ...forward.request, request_id: '' } },
      'forward job',
      '/request/request_id',
    ],
    ['no keys to retry', { ...retry, keys: [] }, 'retry job', '/keys'],
    [
      'a fraction of a version',
      { ...direct, requests: [{ ...direct.requests[0], email_version: 1.5 }] },
      'direct send',
      '/requests/0/email_version',
    ],
  ])('refuses %s, naming the field', (_what, data, message, path) => {
    expect(sendQueueMessage.decode(data)).toMatchObject({ ok: false, error: { message, path } });
  });
});
