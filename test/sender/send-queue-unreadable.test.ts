import { sendBatches } from '../../lib/contracts/sending/send-request';
import { waitFor } from '../support/wait-for';
import { addContact, enqueue, sendRequest, startSenderHarness, type SenderHarness } from './sender-kit';

// Issue 21 part 2: a job on SEND_QUEUE that does not match its schema is failed at once with its reason (the
// queue's dead letter), counted, and the sender goes on to the next job (docs/messages.md#unreadable-messages).

let h: SenderHarness;

beforeAll(async () => {
  h = await startSenderHarness('cairn_sender_unreadable');
});

afterAll(async () => {
  await h?.close();
});

const delivery = (key: string) =>
  h.pool.query<{ state: string }>('SELECT state FROM sender_deliveries WHERE delivery_key = $1', [key]);

it('fails an unreadable job without retrying it, with its reason, and still sends a good job queued after it', async () => {
  const contactId = await addContact(h.pool, h.seeded, { email: 'after.the.bad.one@example.com' });
  const good = sendRequest(h.seeded, contactId);
  const [batch] = sendBatches([good]);
  // a newer scheduler's batch (v: 2), a kind nobody writes, and a batch of this version with an ill-typed field
  const bad = [
    { ...batch, v: 2 },
    { v: 1, kind: 'fax', to: '+4712345678' },
    { ...batch, common: { ...batch?.common, iteration: 'first' } },
  ];
  const queued = await Promise.all(bad.map((data, i) => h.queue.add('bad', data, { jobId: `bad-${i}`, attempts: 3 })));
  await enqueue(h.queue, [good]);

  await waitFor(
    () => delivery(good.key),
    (r) => r.rows[0]?.state === 'delivered',
  );
  const failed = await waitFor(
    () => Promise.all(queued.map((job) => h.queue.getJob(job.id ?? ''))),
    (jobs) => jobs.every((job) => job?.finishedOn !== undefined),
  );
  expect(failed.map((job) => [job?.failedReason, job?.attemptsMade])).toEqual([
    ['send batch v2: /v is not a version this reader knows (1)', 1],
    ['send queue job v1: /kind must be one of journey, test, direct, forward, retry', 1],
    ['send batch v1: /common/iteration must be integer', 1],
  ]);
  expect(await Promise.all(queued.map((job) => job.getState()))).toEqual(['failed', 'failed', 'failed']);

  const port = h.sender.metricsPort();
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toContain(`cairn_sender_jobs_unreadable_total{queue="send"} 3`);
});
