import type { Pool } from 'pg';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { eraseContactEverywhere } from '../../services/api/contact-erasure';
import { PIXEL_GIF } from '../../services/ingest/tracking.routes';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { metricValue } from './ingest-process';
import {
  BROWSER_UA,
  DESTINATION,
  httpRequest,
  ingestConfig,
  seed,
  type Seeded,
  startIngest,
  tokenFor,
  TopicReader,
} from './ingest-support';

// Issue 20, defect 11: after erasure, the contact's old pixel, links and recipient pages are served and record
// nothing; bounce reports about it are acknowledged and ignored; batch events naming it are refused.

let env: TestEnv;
let pool: Pool;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let reader: TopicReader;
let s: Seeded;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_erasure');
  pool = createPgPool(env.postgresUrl, 3);
  ingest = await startIngest(ingestConfig(env, { CAIRN_INGEST_FOLLOWING_REFRESH_MS: '200' }));
  reader = await new TopicReader(env.kafka, [env.topics.emailEvents, env.topics.forwardRequests]).start();
  s = await seed(pool);
});

afterAll(async () => {
  await reader?.stop();
  await ingest?.cleanup();
  await pool?.end();
  await env?.cleanup();
});

const get = (url: string) => httpRequest(ingest.url(), { url, headers: { 'user-agent': BROWSER_UA } });
const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
  httpRequest(ingest.url(), {
    method: 'POST',
    url,
    payload,
    headers: { 'user-agent': BROWSER_UA, 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
const scrape = async () => (await httpRequest(ingest.metricsUrl(), { url: '/metrics' })).body;
const erasedGauge = async () => metricValue(await scrape(), 'cairn_ingest_unfollowed', 'scope="erased"');

describe('an erased contact on ingest', () => {
  it('serves its old pixel, links and recipient pages but records nothing, ignores bounce reports about it and refuses its batch events', async () => {
    const contactId = newId();
    await pool.query('INSERT INTO contacts (id, workspace_id, email) VALUES ($1, $2, $3)', [
      contactId,
      s.workspaceId,
      `erase.${contactId.slice(0, 8)}@example.com`,
    ]);
    await pool.query('INSERT INTO list_memberships (list_id, contact_id, workspace_id) VALUES ($1, $2, $3)', [
      s.listIds[0],
      contactId,
      s.workspaceId,
    ]);
    const of = { ...s, contactId };
    const before = tokenFor(of);
    await get(`/o/${before.token}.gif`);
    await waitFor(
      () => reader.byMessage(before.messageId),
      (e) => e.length === 1,
    );

    await eraseContactEverywhere(
      { pool, clickhouse: env.clickhouse },
      { workspaceId: s.workspaceId, contactId, keyId: 'test' },
      { resweepSeconds: 0 },
    );
    await waitFor(erasedGauge, (n) => n === 1);
    const hitsBefore = metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total');

    const open = tokenFor(of);
    const pixel = await get(`/o/${open.token}.gif`);
    expect([pixel.statusCode, pixel.rawPayload.equals(PIXEL_GIF)]).toEqual([200, true]);
    const click = await get(`/c/${tokenFor(of, { linkId: s.links.safe }).token}`);
    expect([click.statusCode, click.headers.location]).toEqual([302, DESTINATION]);
    const file = await get(`/a/${tokenFor(of, { linkId: s.links.file }, 'attachment').token}`);
    expect([file.statusCode, file.headers.location]).toEqual([302, 'https://files.example.com/brochure.pdf']);
    expect(metricValue(await scrape(), 'cairn_ingest_unfollowed_hits_total') - hitsBefore).toBe(3);

    // Unsubscribe, subscription center and forward answer, and change or record nothing.
    const pages = [
      await post(`/u/${tokenFor(of, {}, 'unsubscribe').token}`, 'List-Unsubscribe=One-Click'),
      await post(`/s/${tokenFor(of, {}, 'subscription_center').token}`, `list=${s.listIds[1]}&submitted=1`),
      await post(`/f/${tokenFor(of, {}, 'forward').token}`, 'friend=pal%40example.com'),
    ];
    expect(pages.map((p) => [p.statusCode, /Nothing to change/.test(p.body)])).toEqual([
      [200, true],
      [200, true],
      [200, true],
    ]);
    expect((await pool.query('SELECT 1 FROM list_memberships WHERE contact_id = $1', [contactId])).rowCount).toBe(0);

    // The provider's bounce report for its old message is acknowledged, and neither recorded nor suppresses.
    const secret = await createWebhookSecret(pool, s.workspaceId);
    const report = JSON.stringify({
      token: tokenFor(of, {}, 'report').token,
      recipient: 'erase.me@example.com',
      status: '5.1.1',
      diagnostic: '550 5.1.1 user unknown',
    });
    const bounce = await post('/v1/webhooks/bounces', report, {
      'content-type': 'application/json',
      authorization: `Bearer ${secret}`,
    });
    expect([bounce.statusCode, bounce.json()]).toEqual([
      200,
      { accepted: [{ index: 0, result: 'ignored: contact erased' }], rejected: [] },
    ]);
    expect(
      (await pool.query('SELECT 1 FROM address_suppressions WHERE workspace_id = $1', [s.workspaceId])).rowCount,
    ).toBe(0);

    const { key } = await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['write'] });
    const event = {
      type: 'open',
      data: { contact_id: contactId, message_id: newId(), email_id: s.emailId, email_version: 1 },
    };
    const batch = await post('/v1/events', JSON.stringify([event]), {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
    });
    expect([batch.statusCode, batch.json()]).toEqual([
      400,
      { accepted: 0, rejected: [{ index: 0, error: expect.stringMatching(/was erased/) }] },
    ]);

    // Test only: lift the record so the contact's next hit is recorded. Its events share one partition in
    // production order: once this open is read, the hits above would have been read too, had they been recorded.
    await pool.query('DELETE FROM contact_erasures WHERE contact_id = $1', [contactId]);
    await waitFor(erasedGauge, (n) => n === 0);
    const sentinel = tokenFor(of);
    await get(`/o/${sentinel.token}.gif`);
    await waitFor(
      () => reader.byMessage(sentinel.messageId),
      (e) => e.length === 1,
    );
    const recorded = reader.raw.filter((record) => record.key === contactId);
    expect(recorded.map((record) => record.topic)).toEqual([env.topics.emailEvents, env.topics.emailEvents]);
  });
});
