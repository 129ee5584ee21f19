import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { chromium } from 'playwright-core';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { ingestConfig, seed, startIngest, tokenFor, TopicReader } from './ingest-support';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium. npm test installs it before jest starts when missing and running as root (scripts/ensure-chromium.sh);
 * loading this file installs nothing, and without the browser the test is skipped with a message.
 */
const available = existsSync(CHROMIUM);
if (!available)
  process.stderr.write(
    `skipping the Chromium test: ${CHROMIUM} is missing (apt-get install -y chromium, or run npm test as root)\n`,
  );
const maybe = available ? it : it.skip;

let env: TestEnv;
let pool: Pool;
let landing: Server;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_browser');
  pool = createPgPool(env.postgresUrl, 2);
  landing = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Landing</title><h1 id="landed">landed</h1>'),
  );
  await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => landing?.close(resolve));
  await pool?.end();
  await env?.cleanup();
});

maybe('a real Chromium loads the pixel of a sample email and follows a tracked link to its destination', async () => {
  const ingest = await startIngest(ingestConfig(env));
  const reader = await new TopicReader(env.kafka, [env.topics.emailEvents]).start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const s = await seed(pool);
    const destination = `http://127.0.0.1:${(landing.address() as AddressInfo).port}/landing?campaign=spring`;
    await pool.query("UPDATE email_links SET url = $1 WHERE email_id = $2 AND link_id = 'l1'", [
      destination,
      s.emailId,
    ]);
    const open = tokenFor(s);
    const click = tokenFor(s, { messageId: open.messageId, linkId: s.links.safe });
    const html = `<html><body><p>Spring offers</p><a id="cta" href="${ingest.url()}/c/${click.token}">See offers</a>
      <img id="beacon" src="${ingest.url()}/o/${open.token}.gif" width="1" height="1" alt=""></body></html>`;
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.$eval('#beacon', (img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
    await Promise.all([page.waitForURL(destination), page.click('#cta')]);
    expect(await page.textContent('#landed')).toBe('landed');
    const events = await waitFor(
      () => reader.byMessage(open.messageId),
      (e) => e.length >= 2,
    );
    expect(events.map((e) => e.type).sort()).toEqual(['click', 'open']);
    expect(events.find((e) => e.type === 'click')?.data).toMatchObject({
      url: destination,
      link_id: 'l1',
      machine: false,
    });
  } finally {
    await browser.close();
    await reader.stop();
    await ingest.cleanup();
  }
});
