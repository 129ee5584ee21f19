import { createAlerts } from '../../services/engagement/alerts';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { newId } from '../support/test-env';

// Issue 23 item 11: a first-open alert can be snoozed (hidden until a time) and can become a call (one
// phone_call task for the alert's contact, in GET /v1/tasks), like an alert card's actions.

let kit: ApiKit;
let call: ReturnType<typeof client>;
let workspaceId: string;

beforeAll(async () => {
  kit = await startApiKit();
  const ws = await createWorkspace(kit, 'alert-actions');
  call = client(kit, ws.key);
  workspaceId = ws.id;
}, 60_000);

afterAll(async () => kit?.close());

/** A followed one-to-one message to a new contact, and its first-open alert as the engagement service writes it. */
async function firstOpenAlert(): Promise<{ alertId: string; contactId: string; messageId: string }> {
  const contact = (await call('POST', '/v1/contacts', { email: `c.${newId().slice(0, 8)}@example.com` })).json();
  const sent = await call('POST', '/v1/engagement/messages', {
    subject: 'Proposal',
    body_html: '<p>Hello</p>',
    from_address: 'rep@cairn.example',
    recipients: [contact.id],
    owner: 'rep-1',
  });
  expect(sent.statusCode).toBe(201);
  const messageId = sent.json().id as string;
  const [created] = await createAlerts(kit.pool, [
    {
      key: `first_open:${messageId}`,
      workspaceId,
      messageId,
      kind: 'first_open',
      owner: 'rep-1',
      title: 'First open: Proposal',
      payload: { opened_at: new Date().toISOString() },
    },
  ]);
  return { alertId: created!.id, contactId: contact.id, messageId };
}

const listed = async (messageId: string, query = '') =>
  (await call('GET', `/v1/engagement/alerts?message_id=${messageId}${query}`)).json().items as { id: string }[];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('snoozing an alert', () => {
  it('hides the alert until the time, then shows it again', async () => {
    const { alertId, messageId } = await firstOpenAlert();
    const until = new Date(Date.now() + 2500).toISOString();
    const snoozed = await call('POST', `/v1/engagement/alerts/${alertId}/snooze`, { until });
    expect(snoozed.statusCode).toBe(200);
    expect(new Date(snoozed.json().snoozed_until).toISOString()).toBe(until);
    expect(await listed(messageId)).toEqual([]);
    expect((await listed(messageId, '&include_snoozed=true')).map((a) => a.id)).toEqual([alertId]);
    await sleep(Date.parse(until) - Date.now() + 200);
    expect((await listed(messageId)).map((a) => a.id)).toEqual([alertId]);
  });

  it('refuses a time not in the future, too far ahead or not a date-time, naming until', async () => {
    const { alertId } = await firstOpenAlert();
    const snooze = (until: unknown) => call('POST', `/v1/engagement/alerts/${alertId}/snooze`, { until });
    for (const until of [
      new Date(Date.now() - 1000).toISOString(),
      new Date(Date.now() + 31 * 86_400_000).toISOString(),
    ]) {
      const refused = await snooze(until);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().errors).toEqual([expect.objectContaining({ field: 'until' })]);
    }
    for (const refused of [
      await snooze('tomorrow'),
      await call('POST', `/v1/engagement/alerts/${alertId}/snooze`, {}),
    ]) {
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors).toEqual([expect.objectContaining({ field: 'until' })]);
    }
  });

  it('refuses a dismissed alert (409) and another workspace (404)', async () => {
    const { alertId } = await firstOpenAlert();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const other = client(kit, (await createWorkspace(kit, 'other')).key);
    expect((await other('POST', `/v1/engagement/alerts/${alertId}/snooze`, { until })).statusCode).toBe(404);
    expect((await call('POST', `/v1/engagement/alerts/${alertId}/dismiss`)).statusCode).toBe(200);
    expect((await call('POST', `/v1/engagement/alerts/${alertId}/snooze`, { until })).statusCode).toBe(409);
  });
});

describe('creating a call from an alert', () => {
  it("creates one phone_call task for the alert's contact, shown in GET /v1/tasks; again, the same task", async () => {
    const { alertId, contactId } = await firstOpenAlert();
    const dueAt = new Date(Date.now() + 86_400_000).toISOString();
    const first = await call('POST', `/v1/engagement/alerts/${alertId}/call`, { due_at: dueAt, subject: 'Call Kim' });
    expect(first.statusCode).toBe(201);
    const taskId = first.json().task_id as string;
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    const [again, bare] = await Promise.all([
      call('POST', `/v1/engagement/alerts/${alertId}/call`, { subject: 'other' }),
      call('POST', `/v1/engagement/alerts/${alertId}/call`),
    ]);
    expect([again.statusCode, bare.statusCode]).toEqual([200, 200]);
    expect([again.json().task_id, bare.json().task_id]).toEqual([taskId, taskId]);
    const tasks = (await call('GET', `/v1/tasks?contact_id=${contactId}`)).json().items;
    expect(tasks).toEqual([
      expect.objectContaining({
        id: taskId,
        kind: 'phone_call',
        subject: 'Call Kim',
        contact_id: contactId,
        status: 'open',
      }),
    ]);
    expect(new Date(tasks[0].due_at).toISOString()).toBe(dueAt);
    expect((await listed(first.json().message_id)).map((a) => ({ ...a }))).toEqual([
      expect.objectContaining({ id: alertId, task_id: taskId }),
    ]);
  });

  it('creates the call without a body, subject from the alert; 404 for another workspace', async () => {
    const { alertId, contactId } = await firstOpenAlert();
    const other = client(kit, (await createWorkspace(kit, 'other')).key);
    expect((await other('POST', `/v1/engagement/alerts/${alertId}/call`)).statusCode).toBe(404);
    expect((await other('GET', `/v1/tasks?contact_id=${contactId}`)).json().items).toEqual([]);
    const made = await call('POST', `/v1/engagement/alerts/${alertId}/call`);
    expect(made.statusCode).toBe(201);
    const task = (await call('GET', `/v1/tasks/${made.json().task_id}`)).json();
    expect(task).toEqual(
      expect.objectContaining({ kind: 'phone_call', subject: 'Call: First open: Proposal', due_at: null }),
    );
  });
});
