import type { ParsedMail } from 'mailparser';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import {
  CONTACT_DOMAIN,
  INBOUND_DOMAIN,
  mailTo,
  makeTemplate,
  startEngagementKit,
  type EngagementKit,
} from './engagement-kit';
import { postReply } from './inbound-clients';

const BODY = '<p>Hello {{contact.first_name}}, <a href="https://example.com/demo">book a demo</a>.</p>';
let kit: EngagementKit;

beforeAll(async () => {
  kit = await startEngagementKit();
}, 120_000);

afterAll(async () => kit?.close());

async function sendTo(
  fields: { template_id?: string; follow?: boolean } = {},
): Promise<{ id: string; mail: ParsedMail }> {
  const email = `c.${newId().slice(0, 8)}@example.com`;
  const contact = (await kit.call('POST', '/v1/contacts', { email, first_name: 'Kim' })).json();
  const content = fields.template_id ? {} : { subject: 'Follow-up', body_html: BODY };
  const sent = await kit.call('POST', '/v1/engagement/messages', {
    ...content,
    ...fields,
    from_address: 'rep@cairn.example',
    recipients: [contact.id],
    owner: 'rep-9',
  });
  expect(sent.statusCode).toBe(201);
  const [mail] = await mailTo(kit.smtp, email);
  return { id: sent.json().id, mail: mail as ParsedMail };
}

const openIt = (mail: ParsedMail) =>
  fetch(/src="([^"]+\/o\/[^"]+\.gif)"/.exec(String(mail.html))?.[1] as string, {
    headers: {
      'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15',
    },
  });
// signed by the contact's domain (DKIM): since issue 20 only a verified reply answers a no_reply_by reminder
const replyTo = async (mail: ParsedMail) =>
  postReply(
    `http://127.0.0.1:${kit.engagement.ports().http}`,
    await CONTACT_DOMAIN.sign(
      Buffer.from(
        `From: kim@example.com\r\nTo: rep@${INBOUND_DOMAIN}\r\nMessage-ID: <${newId()}@example.com>\r\nIn-Reply-To: ${mail.messageId}\r\nSubject: Re\r\n\r\nSure.\r\n`,
      ),
    ),
  );
const remind = (id: string, condition: string, inMs: number, title = condition) =>
  kit.call('POST', `/v1/engagement/messages/${id}/reminders`, {
    title,
    condition,
    remind_at: new Date(Date.now() + inMs).toISOString(),
  });
const reminder = async (id: string) =>
  (await kit.call('GET', '/v1/engagement/reminders')).json().items.find((r: { id: string }) => r.id === id);

describe('follow-up reminders', () => {
  it('fires each condition once when due and its condition holds, never when it does not; editable and removable until then', async () => {
    const [quiet, opened, answered] = [await sendTo(), await sendTo(), await sendTo()];
    await openIt(opened.mail);
    expect((await replyTo(answered.mail)).body.matched).toBe(true);
    await waitFor(
      async () =>
        (await kit.api.pool.query('SELECT first_opened_at FROM engagement_messages WHERE id = $1', [opened.id])).rows[0]
          .first_opened_at,
      Boolean,
      20_000,
    );
    const made = {
      notOpenedFires: (await remind(quiet.id, 'not_opened_by', 1500)).json(),
      notOpenedHeld: (await remind(opened.id, 'not_opened_by', 1500)).json(),
      noReplyFires: (await remind(quiet.id, 'no_reply_by', 1500)).json(),
      noReplyHeld: (await remind(answered.id, 'no_reply_by', 1500)).json(),
      anyway: (await remind(answered.id, 'anyway', 1500)).json(),
      edited: (await remind(quiet.id, 'anyway', 60_000)).json(),
      removed: (await remind(quiet.id, 'anyway', 1500)).json(),
    };
    expect(
      (
        await kit.call('PATCH', `/v1/engagement/reminders/${made.edited.id}`, {
          title: 'Call Kim',
          remind_at: new Date(Date.now() + 1500).toISOString(),
        })
      ).json().title,
    ).toBe('Call Kim');
    expect((await kit.call('DELETE', `/v1/engagement/reminders/${made.removed.id}`)).json().state).toBe('cancelled');
    await waitFor(
      async () => (await kit.call('GET', '/v1/engagement/reminders?state=pending')).json().items,
      (items) => items.length === 0,
      20_000,
    );
    const states = Object.fromEntries(
      await Promise.all(Object.entries(made).map(async ([name, r]) => [name, (await reminder(r.id)).state])),
    );
    expect(states).toEqual({
      notOpenedFires: 'fired',
      notOpenedHeld: 'not_needed',
      noReplyFires: 'fired',
      noReplyHeld: 'not_needed',
      anyway: 'fired',
      edited: 'fired',
      removed: 'cancelled',
    });
    const alerts = (await kit.call('GET', '/v1/engagement/alerts'))
      .json()
      .items.filter((a: { kind: string }) => a.kind === 'reminder');
    expect(alerts.map((a: { title: string }) => a.title).sort()).toEqual([
      'Call Kim',
      'anyway',
      'no_reply_by',
      'not_opened_by',
    ]);
    expect((await kit.call('PATCH', `/v1/engagement/reminders/${made.anyway.id}`, { title: 'late' })).statusCode).toBe(
      409,
    );
    expect((await kit.call('DELETE', `/v1/engagement/reminders/${made.anyway.id}`)).statusCode).toBe(409);
  });

  it('refuses a reminder in the past, and reply/open conditions on an unfollowed message, storing nothing', async () => {
    const followed = await sendTo();
    const plain = await sendTo({ follow: false });
    const past = await kit.call('POST', `/v1/engagement/messages/${followed.id}/reminders`, {
      title: 't',
      condition: 'anyway',
      remind_at: '2021-05-01T10:00:00Z',
    });
    expect([past.statusCode, past.json().errors[0].field]).toEqual([400, 'remind_at']);
    const unfollowed = await remind(plain.id, 'no_reply_by', 60_000);
    expect([unfollowed.statusCode, unfollowed.json().errors[0].field]).toEqual([422, 'condition']);
    expect((await remind(plain.id, 'anyway', 60_000)).statusCode).toBe(201);
    const { rows } = await kit.api.pool.query(
      'SELECT count(*)::int AS n FROM engagement_reminders WHERE message_id = ANY($1::uuid[])',
      [[followed.id, plain.id]],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('template recommendations', () => {
  it('ranks templates by measured reply and open rates from ClickHouse and recommends the best', async () => {
    const make = (name: string) => makeTemplate(kit, name, BODY);
    const [intro, thanks, cold] = [await make('Intro'), await make('Thanks'), await make('Cold')];
    const sends = async (template: string, n: number) =>
      Promise.all(Array.from({ length: n }, () => sendTo({ template_id: template })));
    const [introMails, thanksMails] = [await sends(intro, 2), await sends(thanks, 2)];
    await sends(cold, 2);
    for (const { mail } of introMails) await openIt(mail);
    await openIt(thanksMails[0]?.mail as ParsedMail);
    await replyTo(thanksMails[0]?.mail as ParsedMail);
    const listed = await waitFor(
      async () => (await kit.call('GET', '/v1/engagement/templates?sort=recommended')).json().items,
      (items) =>
        items.length === 3 &&
        items.every((t: { sent: number }) => t.sent === 2) &&
        items.some((t: { replied: number }) => t.replied === 1) &&
        items.reduce((n: number, t: { opened: number }) => n + t.opened, 0) === 3,
      40_000,
    );
    expect(
      listed.map((t: { name: string; recommended: boolean; open_rate: number; reply_rate: number }) => [
        t.name,
        t.recommended,
        t.open_rate,
        t.reply_rate,
      ]),
    ).toEqual([
      ['Thanks', true, 0.5, 0.5],
      ['Intro', false, 1, 0],
      ['Cold', false, 0, 0],
    ]);
    const byOpen = (await kit.call('GET', '/v1/engagement/templates?sort=open_rate&order=desc'))
      .json()
      .items.map((t: { name: string }) => t.name);
    expect(byOpen).toEqual(['Intro', 'Thanks', 'Cold']);
    const messages = (await kit.call('GET', '/v1/engagement/messages?sort=opens&order=desc&limit=3')).json();
    expect(messages.items.map((m: { kpis: { opens: number } }) => m.kpis.opens)).toEqual([1, 1, 1]);
    expect(messages.next_cursor).not.toBeNull();
  });
});
