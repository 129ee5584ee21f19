import { decodeWebhookJob } from './webhook-job';

// Issue 20 defect 1: the webhook worker decodes its jobs (their tile_failed event needs the contact) instead of
// trusting what Redis hands back.
const body = {
  key: 'j:hook:0:a1',
  workflow: 'crm',
  workspace_id: 'w',
  journey_id: 'j',
  tile_id: 'hook',
  iteration: 0,
  contact_id: 'c1',
  account_id: null,
};
const job = { url: 'https://hooks.example.com/', workspace_id: 'w', contact_id: 'c1', once_key: 'j:hook:0:c1', body };

describe('decodeWebhookJob', () => {
  it('reads a job and what its dead letter needs', () => {
    expect(decodeWebhookJob(job)).toEqual({
      url: job.url,
      workspace_id: 'w',
      once_key: job.once_key,
      body,
      journey_id: 'j',
      tile_id: 'hook',
      iteration: 0,
      contact_id: 'c1',
    });
  });

  it("takes an older job's contact from its body (null for an account's webhook)", () => {
    const { contact_id: _dropped, ...older } = job;
    expect(decodeWebhookJob(older)?.contact_id).toBe('c1');
    expect(decodeWebhookJob({ ...older, body: { ...body, contact_id: null } })?.contact_id).toBeNull();
  });

  it.each([
    null,
    'x',
    {},
    { ...job, url: 5 },
    { ...job, body: null },
    { ...job, body: { ...body, iteration: '0' } },
    { ...job, body: { ...body, journey_id: undefined } },
  ])('refuses %p', (data) => {
    expect(decodeWebhookJob(data)).toBeNull();
  });
});
