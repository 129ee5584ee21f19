import { createHash } from 'node:crypto';
import {
  MAX_SEND_BATCH,
  requestsOf,
  sendBatches,
  sendBatchJobId,
  sendRequestKey,
  type SendRequest,
} from './send-request';

const request = (contact: number, tile = 'mail', account: string | null = null): SendRequest => {
  const parts = { journey_id: 'j-1', tile_id: tile, iteration: 2, contact_id: `c-${contact}` };
  return {
    ...parts,
    key: sendRequestKey(parts),
    workspace_id: 'w-1',
    account_id: account,
    email_id: 'e-1',
    email_version: 3,
    list_id: null,
    content_settings_id: 'cs-1',
    min_consent: 1,
    requested_at: 1_790_000_000_000,
  };
};

describe('send batches', () => {
  it('carry what requests share once and give every request back as it was, in order', () => {
    const requests = [request(1), request(2, 'mail', 'a-9'), request(3, 'reminder'), request(4)];
    const jobs = sendBatches(requests);
    expect(jobs.map((job) => job.common.tile_id)).toEqual(['mail', 'reminder']);
    expect(jobs.flatMap(requestsOf)).toEqual([
      request(1),
      request(2, 'mail', 'a-9'),
      request(4),
      request(3, 'reminder'),
    ]);
    // a few tens of bytes a request beyond the first: the shared fields are written once
    const perRequest =
      JSON.stringify(sendBatches([request(1), request(2)])[0]).length -
      JSON.stringify(sendBatches([request(1)])[0]).length;
    expect(perRequest).toBeLessThan(30);
  });

  it(`holds at most ${MAX_SEND_BATCH} requests a job, and a job's id depends on its keys only`, () => {
    const requests = Array.from({ length: MAX_SEND_BATCH + 1 }, (_, i) => request(i));
    const jobs = sendBatches(requests);
    expect(jobs.map((job) => job.contacts.length)).toEqual([MAX_SEND_BATCH, 1]);
    expect(sendBatchJobId(jobs[0]!)).toBe(sendBatchJobId(sendBatches(requests.slice(0, MAX_SEND_BATCH))[0]!));
    expect(sendBatchJobId(jobs[0]!)).not.toBe(sendBatchJobId(jobs[1]!));
  });

  it('names a job as jobs already queued were named: send- and the SHA-256 of its keys, each followed by a newline', () => {
    const [job] = sendBatches([request(1), request(2)]);
    const digest = createHash('sha256').update('j-1:mail:2:c-1\nj-1:mail:2:c-2\n').digest('hex');
    expect(sendBatchJobId(job!)).toBe(`send-${digest.slice(0, 32)}`);
  });
});
