import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { client, createWorkspace, startApiKit, type ApiKit } from '../api/api-test-kit';
import { ingestConfig, startIngest } from '../ingest/ingest-support';
import { launchChromium, withChromium } from '../support/chromium';
import { closeServer, freeLoopbackPort, listenLoopback } from '../support/loopback-http';
import { newId } from '../support/test-env';

// Forms in a real browser (docs/pages-and-forms.md#embedding-a-form): a Cairn page with JavaScript off, and the
// embed script on a customer's page on an allowed and on a disallowed origin. Debian's Chromium, as in
// test/ingest/chromium-email.test.ts (test/support/chromium.ts): without it the test is skipped with a message.
const maybe = withChromium('the Chromium forms test');

let api: ApiKit;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let browser: Browser;
let shop: Server;
let stranger: Server;
let ws: ReturnType<typeof client>;
type FormView = { id: string; embed: { script: string; html: string } };
let form: FormView;
/** a form whose thank-you redirects to the shop's /thanks */
let redirecting: FormView;
let pageUrl: string;

/**
 * A customer's pages, served from its own loopback origin: the form's embed script pasted into `/`, the redirecting
 * form's into `/redirect`, the form's plain HTML fallback into `/plain`, and the redirect's `/thanks`.
 */
const customerPage = () =>
  createServer((req, res) => {
    const pasted: Record<string, string> = {
      '/': form.embed.script,
      '/redirect': redirecting.embed.script,
      '/plain': form.embed.html,
      '/thanks': '<p id="thanked">Thanks from the shop</p>',
    };
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>Shop</title><h1>Our shop</h1>${pasted[req.url ?? ''] ?? ''}<footer>end</footer>`);
  });

beforeAll(async () => {
  // ingest's public URL is its real address, so the browser's Origin on its own pages is ingest's public origin
  const port = await freeLoopbackPort();
  const ingestUrl = `http://127.0.0.1:${port}`;
  api = await startApiKit({ ingestPublicUrl: ingestUrl });
  ingest = await startIngest(ingestConfig(api.env, { CAIRN_INGEST_PUBLIC_URL: ingestUrl, CAIRN_INGEST_PORT: port }));
  ws = client(api, (await createWorkspace(api, 'forms-browser')).key);
  shop = customerPage();
  stranger = customerPage();
  const shopOrigin = await listenLoopback(shop);
  await listenLoopback(stranger);
  expect((await ws('PATCH', '/v1/workspace', { form_origins: [shopOrigin] })).statusCode).toBe(200);
  const definition = {
    fields: [
      { name: 'email', kind: 'email', label: 'Email', required: true },
      { name: 'first_name', kind: 'text', label: 'First name', required: false },
      { name: 'attributes.news', kind: 'checkbox', label: 'Send me news', required: false },
    ],
    min_fill_seconds: 0,
    thank_you: { kind: 'message', message: 'See you <soon>' },
  };
  const goLive = async (name: string, formDefinition: object): Promise<FormView> => {
    const made = (await ws('POST', '/v1/forms', { name, definition: formDefinition })).json();
    const live = await ws('POST', `/v1/forms/${made.id}/go-live`);
    expect(live.statusCode).toBe(200);
    return live.json();
  };
  form = await goLive('Browser signup', definition);
  redirecting = await goLive('Redirecting', {
    ...definition,
    thank_you: { kind: 'redirect', url: `${shopOrigin}/thanks` },
  });
  const made = await ws('POST', '/v1/pages', {
    name: 'Spring',
    definition: { title: 'Spring', content_type: 'html', content: `<h1>Spring</h1>{{form "${form.id}"}}` },
  });
  const live = await ws('POST', `/v1/pages/${made.json().id}/go-live`);
  expect(live.statusCode).toBe(200);
  pageUrl = String(live.json().public_url);
  if (maybe === it) browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await closeServer(shop);
  await closeServer(stranger);
  await ingest?.cleanup();
  await api?.close();
});

const submissions = async (email: string) => {
  const { rows } = await api.pool.query<{ fields: Record<string, unknown>; first_name: string | null }>(
    `SELECT s.fields, c.first_name FROM form_submissions s JOIN contacts c ON c.id = s.contact_id
      WHERE s.form_id = $1 AND lower(c.email) = lower($2)`,
    [form.id, email],
  );
  return rows;
};
const allSubmissions = async () =>
  Number((await api.pool.query('SELECT count(*) AS n FROM form_submissions WHERE form_id = $1', [form.id])).rows[0].n);

/** Types into a field as a person does (clearing it first) and leaves it. */
async function type(page: Page, name: string, text: string): Promise<void> {
  const input = page.locator(`form.cairn-form [name="${name}"]`);
  await input.click();
  await input.press('ControlOrMeta+a');
  await input.press('Delete');
  await input.pressSequentially(text);
}

maybe(
  'a Cairn page with JavaScript off: an error by its field with the values kept, then the thank-you',
  async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(pageUrl);
      expect(await page.textContent('h1')).toBe('Spring');
      const email = `eva.${newId().slice(0, 8)}@example.com`;
      // passes the browser's own check of type=email, not the server's (no dot in the domain)
      await type(page, 'email', 'eva@example');
      await type(page, 'first_name', 'Eva');
      await page.locator('form.cairn-form [name="attributes.news"]').check();
      await Promise.all([page.waitForLoadState('load'), page.click('form.cairn-form button[type="submit"]')]);
      await page.waitForSelector('[data-cairn-field="email"] .cairn-error');
      expect(await page.textContent('[data-cairn-field="email"] .cairn-error')).toContain('not a valid email address');
      expect(await page.inputValue('[name="first_name"]')).toBe('Eva');
      expect(await page.inputValue('[name="email"]')).toBe('eva@example');
      expect(await page.isChecked('[name="attributes.news"]')).toBe(true);
      await type(page, 'email', email);
      await page.click('form.cairn-form button[type="submit"]');
      await page.waitForSelector('text=See you <soon>');
      expect(await submissions(email)).toEqual([
        { first_name: 'Eva', fields: expect.objectContaining({ email, first_name: 'Eva', 'attributes.news': true }) },
      ]);
    } finally {
      await context.close();
    }
  },
  60_000,
);

maybe(
  'the embed script on an allowed origin: the form loads, errors show by their field, fetch submits it',
  async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(shop.address() as AddressInfo).port}/`);
      await page.waitForSelector('.cairn-embed form.cairn-form');
      const email = `ola.${newId().slice(0, 8)}@example.com`;
      await type(page, 'email', 'ola@example');
      await type(page, 'first_name', 'Ola');
      await page.click('form.cairn-form button[type="submit"]');
      await page.waitForSelector('[data-cairn-field="email"] .cairn-error');
      expect(await page.textContent('[data-cairn-field="email"] .cairn-error')).toContain('not a valid email address');
      expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      await type(page, 'email', email);
      await page.click('form.cairn-form button[type="submit"]');
      await page.waitForSelector('.cairn-embed .cairn-thanks');
      expect(await page.textContent('.cairn-thanks')).toBe('See you <soon>');
      expect(await page.textContent('footer')).toBe('end');
      expect(await submissions(email)).toEqual([{ first_name: 'Ola', fields: expect.objectContaining({ email }) }]);
    } finally {
      await context.close();
    }
  },
  60_000,
);

maybe(
  'the embed script follows the thank-you redirect; the plain HTML fallback posts without JavaScript',
  async () => {
    const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    const scripted = await browser.newContext();
    const plain = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await scripted.newPage();
      await page.goto(`${shopUrl}/redirect`);
      await page.waitForSelector('.cairn-embed form.cairn-form');
      const email = `red.${newId().slice(0, 8)}@example.com`;
      await type(page, 'email', email);
      await Promise.all([page.waitForURL(`${shopUrl}/thanks`), page.click('form.cairn-form button[type="submit"]')]);
      expect(await page.textContent('#thanked')).toBe('Thanks from the shop');
      const fallback = await plain.newPage();
      await fallback.goto(`${shopUrl}/plain`);
      const other = `pla.${newId().slice(0, 8)}@example.com`;
      await type(fallback, 'email', other);
      await type(fallback, 'first_name', 'Pla');
      await fallback.click('form.cairn-form button[type="submit"]');
      await fallback.waitForSelector('text=See you <soon>');
      expect(await submissions(other)).toEqual([
        { first_name: 'Pla', fields: expect.objectContaining({ email: other }) },
      ]);
    } finally {
      await scripted.close();
      await plain.close();
    }
  },
  60_000,
);

maybe(
  'the embed script on an origin not allowed: no form, and nothing recorded',
  async () => {
    const before = await allSubmissions();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(stranger.address() as AddressInfo).port}/`);
      await page.waitForSelector('.cairn-embed .cairn-form-closed');
      expect(await page.locator('form.cairn-form').count()).toBe(0);
      expect(await allSubmissions()).toBe(before);
    } finally {
      await context.close();
    }
  },
  60_000,
);
