import { combinationSql } from '../../services/scheduler/segment-combination';
import { buildSender } from '../../services/sender/sender.app';
import { senderConfig } from '../sender/sender-kit';
import { RecordingSmtp } from '../support/recording-smtp';
import { testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from './api-test-kit';

let kit: ApiKit;
beforeAll(async () => {
  kit = await startApiKit();
});
afterAll(async () => {
  await kit.close();
});

const openEvent = (
  workspaceId: string,
  contactId: string,
  emailId: string,
  type: string,
  daysAgo: number,
  machine = 0,
) => {
  const at = new Date(Date.now() - daysAgo * 86_400_000);
  return {
    event_id: `${contactId}-${type}-${daysAgo}-${machine}`,
    event_type: type,
    event_date: at.toISOString().slice(0, 10),
    event_time: at.toISOString().slice(0, 19).replace('T', ' '),
    event_time_ms: at.getTime(),
    workspace_id: workspaceId,
    contact_id: contactId,
    email_id: emailId,
    machine,
  };
};

describe('segments', () => {
  it('answers behaviour conditions from ClickHouse and refreshes membership in bulk', async () => {
    const ws = await createWorkspace(kit, 'seg');
    const api = client(kit, ws.key);
    const ids: string[] = [];
    for (const [email, city] of [
      ['a@s.test', 'Oslo'],
      ['b@s.test', 'Oslo'],
      ['c@s.test', 'Rome'],
      ['d@s.test', 'Oslo'],
    ])
      ids.push((await api('POST', '/v1/contacts', { email, attributes: { city } })).json().id);
    const emailId = '7d1c2f4e-0000-4000-8000-000000000001';
    await kit.env.clickhouse.insert('events_raw', [
      openEvent(ws.id, ids[0] as string, emailId, 'open', 2),
      openEvent(ws.id, ids[1] as string, emailId, 'open', 40), // outside the window
      openEvent(ws.id, ids[3] as string, emailId, 'open', 1, 1), // machine open: not a human open
      openEvent(ws.id, ids[2] as string, emailId, 'click', 1),
    ]);
    const opened = { behaviour: 'opened', email_id: emailId, within_days: 30 };
    const preview = async (definition: unknown) =>
      (await api('POST', '/v1/segments/preview', { definition })).json().count;
    expect(await preview(opened)).toBe(1);
    expect(
      await preview({
        all: [
          { field: 'attributes.city', op: 'eq', value: 'Oslo' },
          { behaviour: 'not_opened', email_id: emailId, within_days: 30 },
        ],
      }),
    ).toBe(2);
    expect(await preview({ any: [opened, { behaviour: 'clicked', email_id: emailId, within_days: 7 }] })).toBe(2);
    expect(await preview({ field: 'email', op: 'contains', value: "'; DROP TABLE contacts; --" })).toBe(0);

    const segment = (
      await api('POST', '/v1/segments', {
        name: 'Oslo',
        kind: 'dynamic',
        definition: { field: 'attributes.city', op: 'eq', value: 'Oslo' },
      })
    ).json();
    expect((await api('POST', `/v1/segments/${segment.id}/refresh`)).json()).toEqual({
      added: 3,
      removed: 0,
      member_count: 3,
    });
    await api('PATCH', `/v1/contacts/${ids[0]}`, { attributes: { city: 'Rome' } });
    await api('POST', '/v1/contacts', { email: 'e@s.test', attributes: { city: 'Oslo' } });
    expect((await api('POST', `/v1/segments/${segment.id}/refresh`)).json()).toEqual({
      added: 1,
      removed: 1,
      member_count: 3,
    });
    expect((await api('POST', `/v1/segments/${segment.id}/refresh`)).json()).toEqual({
      added: 0,
      removed: 0,
      member_count: 3,
    });
    const members = await api('GET', `/v1/segments/${segment.id}/members?limit=2`);
    expect(members.json().items).toHaveLength(2);
    expect(members.json().next_cursor).toEqual(expect.any(String));
  });

  it('combines segments by union, intersection and exclusion', async () => {
    const ws = await createWorkspace(kit, 'combo');
    const api = client(kit, ws.key);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await api('POST', '/v1/contacts', { email: `c${i}@combo.test` })).json().id);
    const seg = async (members: string[]) => {
      const id = (await api('POST', '/v1/segments', { name: 's', kind: 'static' })).json().id as string;
      expect((await api('POST', `/v1/segments/${id}/members`, { contact_ids: members })).statusCode).toBe(200);
      return id;
    };
    const s1 = await seg([ids[0], ids[1], ids[2]] as string[]);
    const s2 = await seg([ids[1], ids[2], ids[3]] as string[]);
    const s3 = await seg([ids[2]] as string[]);
    const run = async (combine: 'union' | 'intersection', exclude: string[] = []) => {
      const params: unknown[] = [ws.id];
      const text = combinationSql('$1', { include: [s1, s2], combine, exclude }, params);
      return (await kit.pool.query<{ contact_id: string }>(text, params)).rows.map((r) => r.contact_id).sort();
    };
    expect(await run('union')).toEqual([...ids].sort());
    expect(await run('intersection')).toEqual([ids[1], ids[2]].sort());
    expect(await run('intersection', [s3])).toEqual([ids[1]]);
  });
});

describe('email test send', () => {
  it('queues the rendered draft for the sender, which delivers it to the given addresses only, once', async () => {
    const smtp = new RecordingSmtp();
    const port = await smtp.listen();
    const prefix = uniqueName('tsq');
    const sendKit = await startApiKit({ queuePrefix: prefix });
    const sender = buildSender(
      senderConfig(sendKit.env, port, { CAIRN_QUEUE_PREFIX: prefix, CAIRN_SENDER_METRICS_PORT: '-1' }),
      testLogger('sender'),
    );
    await sender.start();
    try {
      const ws = await createWorkspace(sendKit, 'send');
      const api = client(sendKit, ws.key);
      await api('POST', '/v1/content-settings', {
        name: 'D',
        subscription_center_url: 'https://p.example.com',
        postal_address: '1 Main St',
        is_default: true,
      });
      const contact = (
        await api('POST', '/v1/contacts', { email: 'real@recipient.test', first_name: 'Ada\r\nBcc: evil@x.test' })
      ).json().id;
      const email = (
        await api('POST', '/v1/emails', {
          name: 'T',
          subject: 'Hi {{contact.first_name}}',
          from_address: 'news@example.com',
          body_mjml: MJML_OK,
        })
      ).json().id;
      const bad = await api('POST', `/v1/emails/${email}/test-send`, {
        contact_id: contact,
        to: ['ok@t.test', 'nope'],
      });
      expect(bad.json().errors).toEqual([{ field: 'to[1]', message: 'is not a valid address' }]);
      const res = await api('POST', `/v1/emails/${email}/test-send`, {
        contact_id: contact,
        to: ['qa@t.test', 'qa2@t.test'],
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ sent_to: 2, request_id: expect.any(String) });
      await waitFor(
        () => smtp.received.length,
        (n) => n === 2,
      );
      expect(smtp.received.map((r) => r.to).sort()).toEqual([['qa2@t.test'], ['qa@t.test']]);
      const data = smtp.received[0]?.raw.toString() ?? '';
      expect(data).toMatch(/^Subject: \[TEST\] Hi Ada Bcc: evil@x.test\r?$/m);
      expect(data.split(/\r?\n\r?\n/)[0] ?? '').not.toMatch(/^Bcc:/m);
      // the ledger records the reply just after the peer has the message
      const delivered = () =>
        sendKit.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM sender_deliveries WHERE kind = 'test' AND state = 'delivered'",
        );
      await waitFor(delivered, (r) => r.rows[0]?.n === 2);
    } finally {
      await sender.stop();
      await sendKit.close();
      await smtp.close();
    }
  });
});
