import type { Pool } from 'pg';
import { createApiKey } from '../../lib/domain/auth/api-keys';
import { sampleArf, sampleDsn } from '../support/bounce-fixtures';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createWebhookSecret } from '../../services/ingest/webhook-auth';
import { createTestEnv, newId, type TestEnv } from '../support/test-env';
import { startSuppressionWriter, type SuppressionWriter } from '../support/suppression-writer';
import { waitFor } from '../support/wait-for';
import { httpRequest, ingestConfig, seed, type Seeded, startIngest, tokenFor, TopicReader } from './ingest-support';

let env: TestEnv;
let pool: Pool;
let ingest: Awaited<ReturnType<typeof startIngest>>;
let reader: TopicReader;
let s: Seeded;
let secret: string;
let apiKey: string;
let writer: SuppressionWriter;

beforeAll(async () => {
  env = await createTestEnv('cairn_ingest_wh');
  pool = createPgPool(env.postgresUrl, 3);
  ingest = await startIngest(ingestConfig(env, { CAIRN_INGEST_BODY_LIMIT: String(256 * 1024) }));
  reader = await new TopicReader(env.kafka, [env.topics.emailEvents, env.topics.journeyEvents]).start();
  writer = await startSuppressionWriter(env, pool);
  s = await seed(pool);
  secret = await createWebhookSecret(pool, s.workspaceId);
  apiKey = (await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['write'] })).key;
});

afterAll(async () => {
  await writer?.stop();
  await reader?.stop();
  await ingest?.cleanup();
  await pool?.end();
  await env?.cleanup();
});

const post = (url: string, payload: string, headers: Record<string, string>) =>
  httpRequest(ingest.url(), { method: 'POST', url, payload, headers });
const hook = (kind: string, payload: string, type = 'message/rfc822', auth = secret) =>
  post(`/v1/webhooks/${kind}`, payload, { 'content-type': type, authorization: `Bearer ${auth}` });
const suppression = async (address: string) =>
  (
    await pool.query('SELECT reason FROM address_suppressions WHERE workspace_id = $1 AND address = $2', [
      s.workspaceId,
      address,
    ])
  ).rows[0];

describe('bounce and complaint webhooks', () => {
  it('classifies a raw RFC 3464 DSN, suppresses the hard-bounced address and records the bounce', async () => {
    const { token, messageId } = tokenFor(s, {}, 'report');
    const dsn = sampleDsn({ recipient: s.address, status: '5.1.1', diagnostic: '550 5.1.1 user unknown', token });
    const res = await hook('bounces', dsn, 'multipart/report; report-type=delivery-status; boundary="B0UND"');
    expect(res.statusCode).toBe(200);
    await writer.caughtUp(); // suppression is applied when the writer consumes the report
    expect(await suppression(s.address)).toEqual({ reason: 'hard_bounce' });
    const [bounce] = await waitFor(
      () => reader.byMessage(messageId),
      (e) => e.length === 1,
    );
    expect(bounce).toMatchObject({
      type: 'bounce',
      data: { bounce_class: 'hard', enhanced_status: '5.1.1', smtp_code: 550, policy_block: false },
    });
  });

  it('records a 5.7.x policy block without suppressing the recipient', async () => {
    const { token, messageId } = tokenFor(s, {}, 'report');
    const body = JSON.stringify({
      token,
      recipient: 'policy@example.com',
      status: '5.7.1',
      diagnostic: '550 5.7.1 rejected by policy (spam)',
    });
    expect((await hook('bounces', body, 'application/json')).statusCode).toBe(200);
    await writer.caughtUp(); // suppression is applied when the writer consumes the report
    expect(await suppression('policy@example.com')).toBeUndefined();
    expect(
      (
        await waitFor(
          () => reader.byMessage(messageId),
          (e) => e.length === 1,
        )
      )[0]?.data,
    ).toMatchObject({ policy_block: true });
  });

  it('counts soft bounces once per webhook even when the provider retries, suppressing at the fifth', async () => {
    const address = 'soft@example.com';
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify({
        token: tokenFor(s, {}, 'report').token,
        recipient: address,
        status: '4.2.2',
        diagnostic: '452 4.2.2 mailbox full',
      });
      expect((await hook('bounces', body, 'application/json')).statusCode).toBe(200);
      if (i < 4) expect((await hook('bounces', body, 'application/json')).statusCode).toBe(200); // retried delivery
      await writer.caughtUp(); // suppression is applied when the writer consumes the report
      expect(await suppression(address)).toEqual(i < 4 ? undefined : { reason: 'soft_bounces' });
    }
  });

  it('counts Bounced (other) toward the five in a row, as docs/kpis.md#bounces-and-delivered treats it like a soft bounce', async () => {
    const address = 'other@example.com';
    const bounces = [
      { status: '4.2.2', diagnostic: '452 4.2.2 mailbox full' },
      { status: '5.0.0', diagnostic: '550 5.0.0 remote server returned an error' },
      { status: '4.2.2', diagnostic: '452 4.2.2 mailbox full' },
      { status: '5.0.0', diagnostic: '550 5.0.0 remote server returned an error' },
      { status: '5.0.0', diagnostic: '550 5.0.0 remote server returned an error' },
    ];
    for (const [i, bounce] of bounces.entries()) {
      const { token, messageId } = tokenFor(s, {}, 'report');
      expect(
        (await hook('bounces', JSON.stringify({ token, recipient: address, ...bounce }), 'application/json'))
          .statusCode,
      ).toBe(200);
      if (bounce.status === '5.0.0') {
        expect(
          (
            await waitFor(
              () => reader.byMessage(messageId),
              (e) => e.length === 1,
            )
          )[0]?.data,
        ).toMatchObject({ bounce_class: 'other' });
      }
      await writer.caughtUp(); // suppression is applied when the writer consumes the report
      expect(await suppression(address)).toEqual(i < 4 ? undefined : { reason: 'soft_bounces' });
    }
  });

  it('takes a raw RFC 5965 ARF complaint: suppresses at once and records the complaint', async () => {
    const { token, messageId } = tokenFor(s, {}, 'report');
    const address = 'complainer@example.org';
    const res = await hook('complaints', sampleArf({ recipient: address, token }));
    expect(res.statusCode).toBe(200);
    await writer.caughtUp(); // suppression is applied when the writer consumes the report
    expect(await suppression(address)).toEqual({ reason: 'complaint' });
    const [complaint] = await waitFor(
      () => reader.byMessage(messageId),
      (e) => e.length === 1,
    );
    expect(complaint).toMatchObject({
      type: 'complaint',
      data: { feedback_type: 'abuse', reporter: 'mail.isp.example' },
    });
  });

  it('rejects forged webhooks and garbage with 401/400 and records nothing', async () => {
    const { token, messageId } = tokenFor(s, {}, 'report');
    const dsn = sampleDsn({
      recipient: 'forged@example.com',
      status: '5.1.1',
      diagnostic: '550 5.1.1 user unknown',
      token,
    });
    expect((await hook('bounces', dsn, 'message/rfc822', 'whsec_0000000000000000_' + 'A'.repeat(43))).statusCode).toBe(
      401,
    );
    expect((await hook('bounces', dsn, 'message/rfc822', '')).statusCode).toBe(401);
    const forgedToken = sampleDsn({
      recipient: 'forged@example.com',
      status: '5.1.1',
      diagnostic: 'x',
      token: token.slice(0, -2) + 'AA',
    });
    expect((await hook('bounces', forgedToken)).statusCode).toBe(400);
    const other = await seed(pool);
    const foreign = sampleArf({ recipient: 'x@example.org', token: tokenFor(other, {}, 'report').token });
    expect((await hook('complaints', foreign)).statusCode).toBe(400);
    for (const garbage of ['', 'hello', '\u0000\u0001binary', '{"token": 5}', '[]']) {
      expect((await hook('bounces', garbage)).statusCode).toBe(400);
      expect((await hook('complaints', garbage, 'application/json')).statusCode).toBe(400);
    }
    await writer.caughtUp(); // suppression is applied when the writer consumes the report
    expect(await suppression('forged@example.com')).toBeUndefined();
    const sentinel = tokenFor(s, {}, 'report');
    await hook('complaints', JSON.stringify({ token: sentinel.token, feedback_type: 'not-spam' }), 'application/json');
    await waitFor(
      () => reader.byMessage(sentinel.messageId),
      (e) => e.length === 1,
    );
    expect(reader.byMessage(messageId)).toEqual([]);
  });
});

describe('suppression through its one writer (services/sender)', () => {
  const softCount = async (address: string) =>
    (
      await pool.query<{ n: number }>(
        'SELECT consecutive_soft_bounces AS n FROM address_bounce_state WHERE workspace_id = $1 AND address = $2',
        [s.workspaceId, address],
      )
    ).rows[0]?.n;

  it('answers the webhook before the writer applies the report, which then suppresses once', async () => {
    const address = `later.${newId().slice(0, 8)}@example.com`;
    const body = JSON.stringify({
      token: tokenFor(s, {}, 'report').token,
      recipient: address,
      status: '5.1.1',
      diagnostic: '550 5.1.1 user unknown',
    });
    expect((await hook('bounces', body, 'application/json')).json()).toMatchObject({
      accepted: [{ index: 0, result: 'hard' }],
    });
    expect(
      await waitFor(
        () => suppression(address),
        (row) => row !== undefined,
      ),
    ).toEqual({ reason: 'hard_bounce' });
  });

  it('takes a not-spam complaint back without suppressing, and lets a DSN saying delivered reset the soft count', async () => {
    const address = `notspam.${newId().slice(0, 8)}@example.com`;
    await hook(
      'complaints',
      JSON.stringify({ token: tokenFor(s, {}, 'report').token, recipient: address, feedback_type: 'not-spam' }),
      'application/json',
    );
    for (let i = 0; i < 2; i++) {
      await hook(
        'bounces',
        JSON.stringify({
          token: tokenFor(s, {}, 'report').token,
          recipient: address,
          status: '4.2.2',
          diagnostic: '452 4.2.2 mailbox full',
        }),
        'application/json',
      );
    }
    await writer.caughtUp();
    expect([await suppression(address), await softCount(address)]).toEqual([undefined, 2]);
    await hook(
      'bounces',
      JSON.stringify({
        token: tokenFor(s, {}, 'report').token,
        recipient: address,
        action: 'delivered',
        status: '2.0.0',
      }),
      'application/json',
    );
    await writer.caughtUp();
    expect(await softCount(address)).toBe(0);
  });

  it("applies a bounce or complaint posted as a batch event to the contact's address, the accepted count unchanged", async () => {
    const contactId = newId();
    const address = `posted.${contactId.slice(0, 8)}@example.com`;
    await pool.query('INSERT INTO contacts (id, workspace_id, email) VALUES ($1, $2, $3)', [
      contactId,
      s.workspaceId,
      address,
    ]);
    const data = {
      event_id: newId(),
      event_time: Date.now(),
      contact_id: contactId,
      message_id: newId(),
      email_id: newId(),
      email_version: 1,
    };
    const res = await post(
      '/v1/events',
      JSON.stringify([{ type: 'bounce', data: { ...data, bounce_class: 'hard' } }]),
      { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    );
    expect(res.json()).toEqual({ accepted: 1, rejected: [] });
    expect(
      await waitFor(
        () => suppression(address),
        (row) => row !== undefined,
      ),
    ).toEqual({ reason: 'hard_bounce' });
  });
});

describe('batch events', () => {
  const send = (payload: string, type = 'application/json', key = apiKey) =>
    post('/v1/events', payload, { 'content-type': type, authorization: `Bearer ${key}` });
  const openEvent = (workspace = newId()) => ({
    type: 'open',
    data: {
      event_id: newId(),
      event_time: Date.now(),
      workspace_id: workspace,
      contact_id: s.contactId,
      message_id: newId(),
      email_id: newId(),
      email_version: 1,
    },
  });

  it('accepts valid items, reports invalid ones by index, and takes the workspace from the key', async () => {
    const good = [openEvent(), openEvent()];
    const bad = [{ type: 'nope', data: {} }, { type: 'open', data: { event_id: newId() } }, 'string'];
    const res = await send(JSON.stringify([good[0], ...bad, good[1]]));
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; rejected: { index: number }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    for (const event of good) {
      const [got] = await waitFor(
        () => reader.byMessage(event.data.message_id),
        (e) => e.length === 1,
      );
      expect(got?.data.workspace_id).toBe(s.workspaceId);
    }
  });

  it('keeps a country of two capital letters and rejects any other', async () => {
    const withCountry = (country: unknown) => {
      const event = openEvent();
      return { ...event, data: { ...event.data, country } };
    };
    const items = [
      withCountry('SE'),
      withCountry('se'),
      withCountry('SWE'),
      withCountry('10.0.0.1'),
      withCountry(null),
    ];
    const res = await send(JSON.stringify(items));
    expect(res.json()).toMatchObject({
      accepted: 2,
      rejected: [1, 2, 3].map((index) => ({ index, error: expect.stringMatching(/country/) })),
    });
    const [kept] = await waitFor(
      () => reader.byMessage(items[0]?.data.message_id ?? ''),
      (e) => e.length === 1,
    );
    expect(kept?.data).toMatchObject({ country: 'SE' });
    const [none] = await waitFor(
      () => reader.byMessage(items[4]?.data.message_id ?? ''),
      (e) => e.length === 1,
    );
    expect(none?.data).toMatchObject({ country: null });
  });

  it('rejects by index the opens and clicks of a contact that does not allow following, and takes its other events', async () => {
    const contactId = newId();
    await pool.query('INSERT INTO contacts (id, workspace_id, email, allow_follow_email) VALUES ($1, $2, $3, false)', [
      contactId,
      s.workspaceId,
      `dna.${contactId.slice(0, 8)}@example.com`,
    ]);
    const ofContact = <T extends { data: object }>(event: T) => ({
      ...event,
      data: { ...event.data, contact_id: contactId },
    });
    const open = ofContact(openEvent());
    const click = ofContact({
      type: 'click',
      data: { ...openEvent().data, link_id: 'l1', url: 'https://example.com/', link_kind: 'link' },
    });
    const unsubscribe = ofContact({
      type: 'unsubscribe',
      data: { ...openEvent().data, method: 'one_click', list_ids: [] },
    });
    const res = await send(JSON.stringify([open, click, unsubscribe]));
    expect(res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, error: expect.stringMatching(/does not allow following/) },
        { index: 1, error: expect.stringMatching(/does not allow following/) },
      ],
    });
    // The contact's events share one partition in production order: once the unsubscribe is read, the open and
    // the click would have been read too.
    await waitFor(
      () => reader.byMessage(unsubscribe.data.message_id),
      (e) => e.length === 1,
    );
    expect([reader.byMessage(open.data.message_id), reader.byMessage(click.data.message_id)]).toEqual([[], []]);
  });

  it('takes NDJSON with a broken line', async () => {
    const tile = {
      type: 'tile_inflow',
      data: { contact_id: s.contactId, journey_id: newId(), tile_id: 't1', tile_type: 'email' },
    };
    const res = await send(
      `${JSON.stringify(openEvent())}\n{broken\n${JSON.stringify(tile)}\n`,
      'application/x-ndjson',
    );
    expect(res.json()).toMatchObject({ accepted: 2, rejected: [{ index: 1 }] });
    await waitFor(
      () => reader.events.filter((e) => e.type === 'tile_inflow' && e.data.journey_id === tile.data.journey_id),
      (e) => e.length === 1,
    );
  });

  it("refuses, by index, the events Cairn's own services record (a forged crossing or submission changes nothing)", async () => {
    const forged = (type: string) => ({
      type,
      data: { contact_id: s.contactId, message_id: newId(), email_id: newId() },
    });
    const res = await send(
      JSON.stringify([forged('lead_score_crossed'), openEvent(), forged('form_submitted'), forged('goal_reached')]),
    );
    expect(res.json()).toEqual({
      accepted: 1,
      rejected: [0, 2, 3].map((index) => ({
        index,
        error: expect.stringMatching(/is recorded by Cairn itself and cannot be posted/),
      })),
    });
  });

  it('answers 413 for oversized bodies, 401/403 for bad keys, 400 for malformed JSON', async () => {
    expect((await send(JSON.stringify(Array.from({ length: 3000 }, () => openEvent())))).statusCode).toBe(413);
    expect((await send('[]', 'application/json', 'cairn_nope')).statusCode).toBe(401);
    const readOnly = (await createApiKey(pool, { workspaceId: s.workspaceId, scopes: ['read'] })).key;
    expect((await send(JSON.stringify([openEvent()]), 'application/json', readOnly)).statusCode).toBe(403);
    expect((await send('[{"type":')).statusCode).toBe(400);
    expect((await send('[{"type":"nope","data":{}}]')).statusCode).toBe(400);
  });
});
