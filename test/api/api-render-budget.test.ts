import { SEND_QUEUE } from '../../lib/contracts/sending/send-request';
import { Queue } from 'bullmq';
import { call, client, createWorkspace, startApiKit, type ApiKit, type Reply } from './api-test-kit';

/**
 * Issue 20, defect 5: a template could hang the API. Preview and test send compiled the draft without the
 * go-live check, and six nested {{#each}} over a 100-item contact attribute (10^12 iterations) never finished
 * while /healthz stopped answering. Drafts are now checked and rendered on a draft-render thread with a deadline
 * and a size budget; /healthz is measured while each request runs.
 */
const TIMEOUT_MS = 1500;
// The size budget is far above what the deadline test's draft renders (12 M characters): that draft must run into
// the deadline, not into the size bound, however fast the machine compiles it. The size bound is tested apart.
const MAX_CHARS = 50_000_000;

let kit: ApiKit;
let api: ReturnType<typeof client>;
let contactId: string;
let smallContactId: string;

const footer = '<a href="{{content.subscription_center_url}}">Manage subscriptions</a> {{content.postal_address}}';
const mjml = (inner: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${inner} ${footer}</mj-text></mj-column></mj-section></mj-body></mjml>`;
const SIX_NESTED_EACH = mjml(`${'{{#each @root.contact.attributes.items}}'.repeat(6)}x${'{{/each}}'.repeat(6)}`);

const createEmail = async (body: string): Promise<string> =>
  (
    await api('POST', '/v1/emails', {
      name: 'e',
      subject: 'Hi {{contact.first_name}}',
      from_address: 'news@example.com',
      body_mjml: body,
    })
  ).json().id;

beforeAll(async () => {
  kit = await startApiKit({ renderTimeoutMs: TIMEOUT_MS, renderMaxChars: MAX_CHARS });
  api = client(kit, (await createWorkspace(kit, 'render')).key);
  await api('POST', '/v1/content-settings', {
    name: 'D',
    subscription_center_url: 'https://p.example.com',
    postal_address: '1 Main St',
    is_default: true,
  });
  const items = Array.from({ length: 100 }, (_, i) => `item ${i}`);
  contactId = (
    await api('POST', '/v1/contacts', {
      email: 'ada@example.com',
      first_name: 'Ada',
      attributes: { items, big: 'x'.repeat(10_000) },
    })
  ).json().id;
  smallContactId = (
    await api('POST', '/v1/contacts', {
      email: 'bo@example.com',
      first_name: 'Bo',
      attributes: { items: [], big: 'small' },
    })
  ).json().id;
  // the draft-render thread loads MJML once (seconds under tsx); measured requests find it loaded
  expect((await api('POST', `/v1/emails/${await createEmail(mjml('warm'))}/check`)).json()).toEqual({
    ok: true,
    errors: [],
  });
});
afterAll(async () => {
  await kit.close();
});

/** The request, with /healthz called back to back while it runs: its answer, how long it took, and health's latencies. */
async function whileHealthIsMeasured(
  request: () => Promise<Reply>,
): Promise<{ reply: Reply; ms: number; health: number[] }> {
  const health: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done || health.length < 3) {
      const started = Date.now();
      const res = await call(kit.baseUrl, 'GET', '/healthz');
      expect(res.statusCode).toBe(200);
      health.push(Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = Date.now();
  const reply = await request().finally(() => (done = true));
  const ms = Date.now() - started;
  await probe;
  return { reply, ms, health };
}

describe('a draft renders within its budget, off the event loop (defect 5)', () => {
  it("answers the issue's six nested {{#each}} preview with 422 at once, and /healthz keeps answering", async () => {
    const emailId = await createEmail(SIX_NESTED_EACH);
    const { reply, ms, health } = await whileHealthIsMeasured(() =>
      api('POST', `/v1/emails/${emailId}/preview`, { contact_id: contactId }),
    );
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors).toEqual(
      expect.arrayContaining([{ field: 'body_mjml', message: expect.stringMatching(/unknown helper "each"/) }]),
    );
    expect(ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect(Math.max(...health)).toBeLessThan(1000);
  });

  it('refuses the same template for a test send (422) and queues nothing, /healthz answering', async () => {
    const emailId = await createEmail(SIX_NESTED_EACH);
    const { reply, health } = await whileHealthIsMeasured(() =>
      api('POST', `/v1/emails/${emailId}/test-send`, { contact_id: contactId, to: ['qa@t.test'] }),
    );
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors).toEqual(
      expect.arrayContaining([{ field: 'body_mjml', message: expect.stringMatching(/unknown helper "each"/) }]),
    );
    expect(Math.max(...health)).toBeLessThan(1000);
    const queue = new Queue(SEND_QUEUE, { connection: kit.redis, prefix: kit.config.queuePrefix });
    expect(await queue.count()).toBe(0);
    await queue.close();
  });

  it('stops a draft that takes longer than the deadline (422 naming the body), /healthz answering, and renders the next one', async () => {
    // 7,000 MJML sections: seconds of MJML compilation, which go-live, preview and test send all do
    const sections = '<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'.repeat(7000);
    const slow = await createEmail(
      `<mjml><mj-body>${sections}<mj-section><mj-column><mj-text>${footer}</mj-text></mj-column></mj-section></mj-body></mjml>`,
    );
    const { reply, ms, health } = await whileHealthIsMeasured(() =>
      api('POST', `/v1/emails/${slow}/preview`, { contact_id: smallContactId }),
    );
    expect(reply.statusCode).toBe(422);
    expect(reply.json().errors).toEqual([
      { field: 'body_mjml', message: expect.stringMatching(new RegExp(`longer than ${TIMEOUT_MS} ms`)) },
    ]);
    expect(ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect(Math.max(...health)).toBeLessThan(1000);
    const fine = await createEmail(mjml('Hello {{contact.first_name}}'));
    const preview = await api('POST', `/v1/emails/${fine}/preview`, { contact_id: smallContactId });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().html).toContain('Hello Bo');
  });
});

// The size budget has its own API: a deadline of a minute and a budget of 1 M characters, so the draft runs into the
// size bound (6,000 values of 10,000 characters) long before any deadline, however loaded the machine is.
describe('a draft renders within its size budget (defect 5)', () => {
  const SIZE_BUDGET = 1_000_000;
  let sizeKit: ApiKit;
  let sizeApi: ReturnType<typeof client>;

  beforeAll(async () => {
    sizeKit = await startApiKit({ renderTimeoutMs: 60_000, renderMaxChars: SIZE_BUDGET });
    sizeApi = client(sizeKit, (await createWorkspace(sizeKit, 'render-size')).key);
    await sizeApi('POST', '/v1/content-settings', {
      name: 'D',
      subscription_center_url: 'https://p.example.com',
      postal_address: '1 Main St',
      is_default: true,
    });
  });
  afterAll(async () => {
    await sizeKit?.close();
  });

  it('refuses a render over the size budget (422 naming the body); the same draft renders for a contact with small values', async () => {
    const contact = async (email: string, big: string): Promise<string> =>
      (await sizeApi('POST', '/v1/contacts', { email, first_name: 'X', attributes: { big } })).json().id;
    const bigContact = await contact('ada@example.com', 'x'.repeat(10_000));
    const smallContact = await contact('bo@example.com', 'small');
    const emailId = (
      await sizeApi('POST', '/v1/emails', {
        name: 'e',
        subject: 'Hi {{contact.first_name}}',
        from_address: 'news@example.com',
        body_mjml: mjml('{{contact.attributes.big}} '.repeat(6000)),
      })
    ).json().id;
    const over = await sizeApi('POST', `/v1/emails/${emailId}/preview`, { contact_id: bigContact });
    expect(over.statusCode).toBe(422);
    expect(over.json().errors).toEqual([
      { field: 'body_mjml', message: expect.stringMatching(new RegExp(`over the budget of ${SIZE_BUDGET}`)) },
    ]);
    const sent = await sizeApi('POST', `/v1/emails/${emailId}/test-send`, {
      contact_id: bigContact,
      to: ['qa@t.test'],
    });
    expect(sent.statusCode).toBe(422);
    const fits = await sizeApi('POST', `/v1/emails/${emailId}/preview`, { contact_id: smallContact });
    expect(fits.statusCode).toBe(200);
    expect(fits.json().html).toContain('small small');
  }, 120_000);
});
