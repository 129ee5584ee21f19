import type { ParsedMail } from 'mailparser';
import { newId } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { mailTo, makeTemplate, startEngagementKit, type EngagementKit } from './engagement-kit';

let kit: EngagementKit;

beforeAll(async () => {
  kit = await startEngagementKit();
}, 120_000);

afterAll(async () => kit?.close());

/** Two messages of a template, each to a new contact: the contacts and the mails they got. */
async function sendTwice(templateId: string): Promise<Array<{ contact: string; mail: ParsedMail }>> {
  const sent = [];
  for (let i = 0; i < 2; i++) {
    const email = `t.${newId().slice(0, 8)}@example.com`;
    const contact = (await kit.call('POST', '/v1/contacts', { email, first_name: 'Kim' })).json().id as string;
    const message = await kit.call('POST', '/v1/engagement/messages', {
      template_id: templateId,
      from_address: 'rep@cairn.example',
      recipients: [contact],
    });
    expect(message.statusCode).toBe(201);
    const [mail] = await mailTo(kit.smtp, email);
    sent.push({ contact, mail: mail as ParsedMail });
  }
  return sent;
}

const humanOpen = (mail: ParsedMail) =>
  fetch(/src="([^"]+\/o\/[^"]+\.gif)"/.exec(String(mail.html))?.[1] as string, {
    headers: {
      'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
    },
  });

/** A lead written straight into PostgreSQL, as a create-lead tile writes one, at a time relative to the message. */
const leadAt = (contact: string, templateId: string, offset: string) =>
  kit.api.pool.query(
    `INSERT INTO leads (workspace_id, contact_id, title, created_at)
     SELECT $1, $2, 'tile', m.queued_at + $4::interval
       FROM engagement_messages m JOIN engagement_recipients r ON r.message_id = m.id
      WHERE m.workspace_id = $1 AND r.contact_id = $2 AND m.template_id = $3`,
    [kit.workspaceId, contact, templateId, offset],
  );

describe('template recommendations weigh the sales signal', () => {
  it('ranks a template whose messages were followed by a lead for the contact within the window above opens alone', async () => {
    const body = '<p>Hello {{contact.first_name}}, <a href="https://example.com/demo">book a demo</a>.</p>';
    const make = (name: string) => makeTemplate(kit, name, body);
    const [opens, sales, late] = [await make('Opens'), await make('Sales'), await make('Late')];
    const opened = await sendTwice(opens);
    const sold = await sendTwice(sales);
    const [early, tooLate] = await sendTwice(late);
    for (const { mail } of opened) await humanOpen(mail);
    // Sales: one lead through the API after the message; Late: a lead before its message and one after the window
    const lead = await kit.call('POST', '/v1/leads', { title: 'Demo', contact_id: sold[0]?.contact });
    expect(lead.statusCode).toBe(201);
    await leadAt(early?.contact as string, late, '-1 minute');
    await leadAt(tooLate?.contact as string, late, '30 days 1 minute');
    await leadAt(tooLate?.contact as string, opens, '0 seconds'); // Opens was never sent to this contact

    const listed = await waitFor(
      async () => (await kit.call('GET', '/v1/engagement/templates?sort=recommended')).json(),
      (body) =>
        body.items.length === 3 &&
        body.items.every((t: { sent: number }) => t.sent === 2) &&
        body.items.reduce((n: number, t: { opened: number }) => n + t.opened, 0) === 2,
      40_000,
    );
    expect(listed.lead_window_days).toBe(30);
    expect(
      listed.items.map(
        (t: { name: string; recommended: boolean; leads: number; lead_rate: number; open_rate: number }) => [
          t.name,
          t.recommended,
          t.leads,
          t.lead_rate,
          t.open_rate,
        ],
      ),
    ).toEqual([
      ['Sales', true, 1, 0.5, 0],
      ['Opens', false, 0, 0, 1],
      ['Late', false, 0, 0, 0],
    ]);
    const byLeads = (await kit.call('GET', '/v1/engagement/templates?sort=lead_rate&order=asc')).json();
    expect(byLeads.items[2].name).toBe('Sales');
  });
});
