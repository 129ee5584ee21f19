import { contactOf, webhookJobMessage } from './webhook-job';

// Issue 20 defect 1: the webhook worker decodes its jobs (their tile_failed event needs the contact) instead of
// trusting what Redis hands back; issue 21: with the common message mechanism (docs/messages.md).
const workspace = '0b7c1f1e-7d5c-4b8e-9a55-1d2f3c4b5a60';
const journey = '5e0d6a4c-1b2f-4c3d-8e9f-0a1b2c3d4e5f';
const contact = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
const body = {
  key: `${journey}:hook:0:${contact}`,
  workflow: 'crm',
  workspace_id: workspace,
  journey_id: journey,
  tile_id: 'hook',
  iteration: 0,
  contact_id: contact,
  account_id: null,
};
const job = {
  v: 1,
  url: 'https://hooks.example.com/',
  workspace_id: workspace,
  contact_id: contact,
  once_key: body.key,
  body,
};

const errorOf = (data: unknown) => {
  const read = webhookJobMessage.decode(data);
  return read.ok ? null : read.error;
};

describe('the webhook job', () => {
  it('reads a job and what its dead letter needs', () => {
    const read = webhookJobMessage.decode(job);
    expect(read).toEqual({ ok: true, value: job });
    expect(read.ok && contactOf(read.value)).toBe(contact);
  });

  it("takes an older job's contact from its body (null for an account's webhook), and reads a job without v as v1", () => {
    const { contact_id: _dropped, v: _v, ...older } = job;
    const read = webhookJobMessage.decode(older);
    expect(read.ok && read.value.v).toBe(1);
    expect(read.ok && contactOf(read.value)).toBe(contact);
    const account = webhookJobMessage.decode({ ...older, body: { ...body, contact_id: null } });
    expect(account.ok && contactOf(account.value)).toBeNull();
  });

  it.each([
    [null, ''],
    ['x', ''],
    [{ ...job, v: 2 }, '/v'],
    [{ ...job, url: 5 }, '/url'],
    [{ ...job, url: '' }, '/url'],
    [{ ...job, body: null }, '/body'],
    [{ ...job, body: { ...body, iteration: '0' } }, '/body/iteration'],
    [{ ...job, body: { ...body, iteration: 0.5 } }, '/body/iteration'],
    [{ ...job, body: { ...body, journey_id: undefined } }, '/body'],
    [{ ...job, once_key: '' }, '/once_key'],
    [{ ...job, extra: true }, ''],
  ])('refuses %p at %p', (data, path) => {
    expect(errorOf(data)).toMatchObject({ message: 'webhook job', path });
  });
});
