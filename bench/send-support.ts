// The send benches' shared parts: the seeded recipients, the message size, the sender measured end to end.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../lib/platform/config';
import { createPgPool } from '../lib/platform/postgres/pg-pool';
import { createRedis } from '../lib/platform/redis/redis-connection';
import { sendRequestKey, type SendRequest } from '../lib/contracts/sending/send-request';
import { parseTrackingKeys, TrackingTokenCodec } from '../lib/contracts/tracking/tracking-token';
import { outgoingMail } from '../services/sender/message-preparer';
import { VersionRenderer } from '../services/sender/message-renderer';
import { buildSender } from '../services/sender/sender.app';
import { composeMime } from '../services/sender/mime-composer';
import { SENDER_RENDER_MAX_CHARS, senderSchema } from '../services/sender/sender.config';
import { TRACKING_KEYS } from '../test/ingest/ingest-support';
import { enqueue, senderQueueFor } from '../test/sender/sender-kit';
import { testLogger, uniqueName, type createTestEnv } from '../test/support/test-env';
import { waitFor } from '../test/support/wait-for';
import { isQuick, progress, round } from './bench-support';
import { BENCH_CONTENT, benchContact } from './sender-fixture';

/** The journey the requests name: a uuid, as the journey engine writes (the send queue's schema checks it). */
const BENCH_JOURNEY = randomUUID();

export const MESSAGES = Number(process.env.CAIRN_BENCH_MESSAGES ?? 0) || (isQuick ? 4000 : 20_000);
export const CONNECTIONS = Number(process.env.CAIRN_BENCH_CONNECTIONS ?? 0) || 16;

/** The sender's SMTP limits in the send benches: CONNECTIONS pooled connections, all usable for the one domain. */
export const SENDER_LIMITS: Record<string, string> = {
  CAIRN_SENDER_SMTP_CONNECTIONS: String(CONNECTIONS),
  CAIRN_SENDER_DOMAIN_CONCURRENCY: String(CONNECTIONS),
};

/**
 * A workspace with a subscription list, default content settings and one live email of one version (`html`
 * compiled, as go-live leaves it), written straight into PostgreSQL.
 */
export async function seedLiveEmail(
  pool: ReturnType<typeof createPgPool>,
  email: { html: string; subject: string; fromName: string },
): Promise<{ ws: string; emailId: string; listId: string }> {
  const ws = randomUUID();
  const emailId = randomUUID();
  const listId = randomUUID();
  await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [ws, 'bench']);
  await pool.query('INSERT INTO subscription_lists (id, workspace_id, name) VALUES ($1, $2, $3)', [listId, ws, 'news']);
  await pool.query(
    `INSERT INTO content_settings (workspace_id, name, subscription_center_url, forward_url, postal_address, is_default) VALUES ($1, 'd', $2, $3, $4, true)`,
    [ws, BENCH_CONTENT.subscription_center_url, BENCH_CONTENT.forward_url, BENCH_CONTENT.postal_address],
  );
  await pool.query(
    "INSERT INTO emails (id, workspace_id, name, status, live_version) VALUES ($1, $2, 'bench', 'live', 1)",
    [emailId, ws],
  );
  await pool.query(
    "INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, compiled_html) VALUES ($1, 1, $2, $3, 'news@cairn.example', $4, $5)",
    [emailId, ws, email.subject, email.fromName, email.html],
  );
  return { ws, emailId, listId };
}

export async function seed(
  pool: ReturnType<typeof createPgPool>,
  html: string,
  subject: string,
  fromName: string,
): Promise<SendRequest[]> {
  const { ws, emailId, listId } = await seedLiveEmail(pool, { html, subject, fromName });
  const ids = Array.from({ length: MESSAGES }, () => randomUUID());
  await pool.query(
    `INSERT INTO contacts (id, workspace_id, email, first_name, consent_level, attributes)
     SELECT id, $2, 'r' || n || '@example.com', 'Name' || n, 4, jsonb_build_object('city', 'Oslo', 'plan', 'pro')
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [ids, ws],
  );
  return ids.map((contact_id) => {
    const parts = { journey_id: BENCH_JOURNEY, tile_id: 'tile-1', iteration: 0, contact_id };
    return {
      ...parts,
      key: sendRequestKey(parts),
      workspace_id: ws,
      account_id: null,
      email_id: emailId,
      email_version: 1,
      list_id: listId,
      content_settings_id: null,
      min_consent: 0,
      requested_at: Date.now(),
    };
  });
}

export async function messageSize(email: { html: string; subject: string; fromName: string }): Promise<number> {
  const tokens = new TrackingTokenCodec(parseTrackingKeys(TRACKING_KEYS), 1);
  const version = {
    emailId: randomUUID(),
    version: 1,
    subject: email.subject,
    fromAddress: 'news@cairn.example',
    fromName: email.fromName,
    replyTo: null,
    previewText: '',
    compiledHtml: email.html,
    attachments: [],
    contentSettingsId: null,
  };
  const renderer = new VersionRenderer(version, tokens, {
    ingestUrl: 'http://127.0.0.1:8081',
    unsubscribeMailbox: null,
    maxRenderChars: SENDER_RENDER_MAX_CHARS,
  });
  const identity = {
    workspaceId: randomUUID(),
    messageId: randomUUID(),
    contactId: randomUUID(),
    emailId: version.emailId,
    emailVersion: 1,
    sentAt: 1,
    journeyId: BENCH_JOURNEY,
    tileId: 'tile-1',
    listId: randomUUID(),
  };
  const rendered = renderer.render(
    identity,
    { contact: benchContact(1), account: {}, content: BENCH_CONTENT } as never,
    true,
  );
  return composeMime(outgoingMail(rendered, version, 'r1@example.com')).length;
}

type BenchEnv = Awaited<ReturnType<typeof createTestEnv>>;

/**
 * Messages/s through the whole sender (queue → ledger → render → DKIM → SMTP → events) into `smtpUrl`: a fresh
 * workspace of MESSAGES recipients, a sender with CONNECTIONS pooled connections and `settings` on top.
 */
export async function measureSender(
  env: BenchEnv,
  pool: ReturnType<typeof createPgPool>,
  redis: ReturnType<typeof createRedis>,
  email: { html: string; subject: string; fromName: string },
  smtpUrl: string,
  settings: Record<string, string> = {},
): Promise<number> {
  const requests = await seed(pool, email.html, email.subject, email.fromName);
  const workspace = requests[0]?.workspace_id;
  const config = {
    ...loadConfig(senderSchema, {
      CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
      CAIRN_SENDER_SMTP_URL: smtpUrl,
      CAIRN_QUEUE_PREFIX: uniqueName('bench'),
      CAIRN_SENDER_GROUP_ID: uniqueName('bench'),
      CAIRN_SENDER_METRICS_PORT: '-1',
      CAIRN_SENDER_HEALTH_PORT: '0',
      ...SENDER_LIMITS,
      ...settings,
    }),
    kafkaBrokers: env.settings.kafkaBrokers,
    topicPrefix: env.topicPrefix,
    postgresUrl: env.postgresUrl,
    logLevel: 'warn',
  };
  const sender = buildSender(config, testLogger('sender'));
  await sender.start();
  const queue = senderQueueFor(redis, config.queuePrefix);
  progress(`${MESSAGES} messages through the sender into ${smtpUrl} over ${CONNECTIONS} pooled connections`);
  const started = Date.now();
  await enqueue(queue, requests);
  const states = () =>
    pool.query<{ n: string; other: string }>(
      `SELECT count(*) FILTER (WHERE state = 'delivered' AND events_emitted) AS n,
              count(*) FILTER (WHERE state <> 'delivered') AS other
         FROM sender_deliveries WHERE workspace_id = $1`,
      [workspace],
    );
  const done = await waitFor(states, (r) => Number(r.rows[0]?.n) === MESSAGES, 600_000, 250);
  const rate = MESSAGES / ((Date.now() - started) / 1000);
  progress(`sender: ${round(rate)} messages/s (${done.rows[0]?.n} delivered, ${done.rows[0]?.other} other)`);
  await sender.stop();
  await queue.close();
  return rate;
}
