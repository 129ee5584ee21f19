import type { Queue } from 'bullmq';
import { simpleParser, type ParsedMail } from 'mailparser';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { client, createWorkspace, MJML_OK, startApiKit, type ApiKit } from '../api/api-test-kit';
import { RecordingSmtp } from '../support/recording-smtp';
import { testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { enqueue, sendRequest, senderConfig, senderQueueFor } from './sender-kit';

/**
 * Issue 23 item 8: an email's preview_text (the preheader) is frozen at go-live and now delivered. The API (preview,
 * test send, go-live) and the sender run for real over PostgreSQL, Redis and a recording SMTP peer: the preview, the
 * test send and the journey mail of the frozen version carry the same hidden preheader, first in <body>, with the
 * contact's merge field filled and escaped; the text part never shows it; an email without one gets none.
 */
const HIDDEN = '<div data-cairn-preheader style="display:none;max-height:0;overflow:hidden;mso-hide:all;">';
const PREVIEW_TEXT = 'Hi {{contact.first_name}}, {{default contact.attributes.season "spring"}} deals inside';
const EXPECTED = `${HIDDEN}Hi &lt;Ada&gt; &amp; co, spring deals inside</div>`;

let kit: ApiKit;
let smtp: RecordingSmtp;
let sender: SenderService;
let queue: Queue;
let api: ReturnType<typeof client>;
let workspaceId: string;

beforeAll(async () => {
  smtp = new RecordingSmtp();
  const port = await smtp.listen();
  const prefix = uniqueName('pre');
  kit = await startApiKit({ queuePrefix: prefix });
  sender = buildSender(
    senderConfig(kit.env, port, { CAIRN_QUEUE_PREFIX: prefix, CAIRN_SENDER_METRICS_PORT: '-1' }),
    testLogger('sender'),
  );
  await sender.start();
  queue = senderQueueFor(kit.redis, prefix);
  const ws = await createWorkspace(kit, 'preheader');
  workspaceId = ws.id;
  api = client(kit, ws.key);
  await api('POST', '/v1/content-settings', {
    name: 'D',
    subscription_center_url: 'https://p.example.com',
    postal_address: '1 Main St',
    is_default: true,
  });
});
afterAll(async () => {
  await sender?.stop();
  await queue?.close();
  await kit?.close();
  await smtp?.close();
});

async function received(address: string): Promise<ParsedMail> {
  const [message] = await waitFor(
    () => smtp.to(address),
    (messages) => messages.length === 1,
    30_000,
  );
  return simpleParser(message?.raw ?? Buffer.alloc(0));
}

/** The email goes live (version 1), then `meanwhile`, then the journey engine's request for it is queued. */
async function sendLive(emailId: string, contactId: string, meanwhile = async (): Promise<void> => {}): Promise<void> {
  const live = await api('POST', `/v1/emails/${emailId}/go-live`);
  expect([live.statusCode, live.json().version]).toEqual([200, 1]);
  await meanwhile();
  const listId = (await api('POST', '/v1/lists', { name: uniqueName('list') })).json().id as string;
  await enqueue(queue, [sendRequest({ workspaceId, listId, emailId, accountId: '' }, contactId)]);
}

const bodyStart = (html: string): string => /<body[^>]*>([\s\S]*)$/i.exec(html)?.[1]?.slice(0, EXPECTED.length) ?? '';

describe('the preheader (issue 23 item 8)', () => {
  it('is the same in preview, test send and delivered journey mail, read from the frozen version', async () => {
    const address = 'ada.preheader@example.com';
    const contact = await api('POST', '/v1/contacts', { email: address, first_name: '<Ada> & co' });
    const contactId = contact.json().id as string;
    const email = await api('POST', '/v1/emails', {
      name: 'spring',
      subject: 'Spring',
      from_address: 'news@example.com',
      preview_text: PREVIEW_TEXT,
      body_mjml: MJML_OK,
    });
    const emailId = email.json().id as string;

    const preview = await api('POST', `/v1/emails/${emailId}/preview`, { contact_id: contactId });
    expect(preview.statusCode).toBe(200);
    expect(bodyStart(preview.json().html)).toBe(EXPECTED);

    const test = await api('POST', `/v1/emails/${emailId}/test-send`, { contact_id: contactId, to: ['qa@t.test'] });
    expect(test.statusCode).toBe(202);
    const tested = await received('qa@t.test');
    expect(bodyStart(String(tested.html))).toBe(EXPECTED);
    expect(tested.text).toContain('Hello');
    expect(tested.text).not.toContain('deals inside');

    // the draft changes after go-live: the sender reads the frozen version, not the draft
    await sendLive(emailId, contactId, async () => {
      const patched = await api('PATCH', `/v1/emails/${emailId}`, {
        preview_text: 'Draft only {{contact.first_name}}',
      });
      expect(patched.statusCode).toBe(200);
    });
    const mail = await received(address);
    const html = String(mail.html);
    expect(bodyStart(html)).toBe(EXPECTED);
    expect(html.split('data-cairn-preheader')).toHaveLength(2);
    expect(html).not.toContain('Draft only');
    expect(mail.text).toContain('Hello');
    expect(mail.text).not.toContain('deals inside');
  });

  it('adds nothing when the email has no preview text', async () => {
    const address = 'bo.preheader@example.com';
    const contactId = (await api('POST', '/v1/contacts', { email: address, first_name: 'Bo' })).json().id as string;
    const email = await api('POST', '/v1/emails', {
      name: 'plain',
      subject: 'Plain',
      from_address: 'news@example.com',
      body_mjml: MJML_OK,
    });
    const emailId = email.json().id as string;
    const preview = await api('POST', `/v1/emails/${emailId}/preview`, { contact_id: contactId });
    expect(preview.json().html).not.toContain('data-cairn-preheader');
    await sendLive(emailId, contactId);
    const mail = await received(address);
    expect(String(mail.html)).toContain('Hello Bo');
    expect(String(mail.html)).not.toContain('data-cairn-preheader');
  });
});
