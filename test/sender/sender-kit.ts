import { randomBytes } from 'node:crypto';
import { TRACKING_KEYS } from '../ingest/ingest-support';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { loadConfig } from '../../lib/platform/config';
import { checkEmail, type ContentSettingsData } from '../../lib/domain/email/email-check';
import { EventCodec } from '../../lib/contracts/events/event-codec';
import type { CairnEvent } from '../../lib/contracts/events/event-types';
import { BatchingProducer, consumerLag } from '../../lib/platform/kafka/kafka-client';
import { startDecodingConsumer } from '../../lib/platform/kafka/decoding-consumer';
import {
  SEND_QUEUE,
  sendBatches,
  sendBatchJobId,
  sendRequestKey,
  type SendRequest,
} from '../../lib/contracts/sending/send-request';
import { senderSchema, type SenderConfig } from '../../services/sender/sender.config';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { createRedis } from '../../lib/platform/redis/redis-connection';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { addressReportsGroup } from '../../services/sender/kafka-inputs.consumer';
import { waitFor } from '../support/wait-for';
import { RecordingSmtp } from '../support/recording-smtp';
import { createTestEnv, newId, testLogger, uniqueName, type TestEnv } from '../support/test-env';

export { TRACKING_KEYS };
export const DESTINATION = 'https://shop.example.com/offer?utm_source=cairn&x=1';

const CONTENT: ContentSettingsData = {
  subscription_center_url: 'https://prefs.example.com/center',
  forward_url: 'https://fwd.example.com/',
  postal_address: '1 Harbour Street, Oslo',
  social_links: {},
};

const LINKS = Array.from(
  { length: 9 },
  (_, i) => `<a href="https://news.example.com/article/${i}">Article ${i}</a>`,
).join(' ');

/** The MJML a marketer writes: merge fields, a dynamic block, a link, the required footer. */
export const BODY_MJML = `<mjml><mj-body><mj-section><mj-column><mj-text>
Hello {{default contact.first_name "friend"}} from {{account.name}}{{#if (eq contact.attributes.city "Oslo")}}, neighbour{{/if}}!
<a href="${DESTINATION.replace(/&/g, '&amp;')}">See the offer</a> ${LINKS}
<a href="{{content.forward_url}}">Forward</a> <a href="{{content.subscription_center_url}}">Manage subscriptions</a> {{content.postal_address}}
</mj-text></mj-column></mj-section></mj-body></mjml>`;

export interface Seeded {
  workspaceId: string;
  listId: string;
  emailId: string;
  accountId: string;
}

/** A workspace with a list, default content settings, an account and a live email (compiled at go-live once). */
export async function seedWorkspace(pool: Pool, subject = 'Hi {{contact.first_name}}, news for you'): Promise<Seeded> {
  const ids = { workspaceId: newId(), listId: newId(), emailId: newId(), accountId: newId() };
  const check = await checkEmail(
    { subject, from_address: 'news@cairn.example', from_name: 'Cairn {{account.name}}', body_mjml: BODY_MJML },
    CONTENT,
  );
  if (!check.compiled) throw new Error(JSON.stringify(check.issues));
  const { workspaceId, listId, emailId, accountId } = ids;
  await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [workspaceId, 'sender test']);
  await pool.query('INSERT INTO subscription_lists (id, workspace_id, name) VALUES ($1, $2, $3)', [
    listId,
    workspaceId,
    'News',
  ]);
  await pool.query('INSERT INTO accounts (id, workspace_id, name) VALUES ($1, $2, $3)', [
    accountId,
    workspaceId,
    'Fjord AS',
  ]);
  await pool.query(
    `INSERT INTO content_settings (workspace_id, name, subscription_center_url, forward_url, postal_address, is_default) VALUES ($1, 'default', $2, $3, $4, true)`,
    [workspaceId, CONTENT.subscription_center_url, CONTENT.forward_url, CONTENT.postal_address],
  );
  await pool.query(
    "INSERT INTO emails (id, workspace_id, name, status, live_version) VALUES ($1, $2, 'news', 'live', 1)",
    [emailId, workspaceId],
  );
  await pool.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, from_name, compiled_html) VALUES ($1, 1, $2, $3, 'news@cairn.example', 'Cairn {{account.name}}', $4)`,
    [emailId, workspaceId, subject, check.compiled.html],
  );
  const links = check.compiled.links;
  await pool.query(
    `INSERT INTO email_links (email_id, version, link_id, url, kind, label) SELECT $1, 1, unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[])`,
    [
      emailId,
      links.map((l) => l.link_id),
      links.map((l) => l.url),
      links.map((l) => l.kind),
      links.map((l) => l.label),
    ],
  );
  return ids;
}

export interface ContactFields {
  email?: string | null;
  first_name?: string | null;
  consent_level?: number;
  do_not_bulk_email?: boolean;
  allow_follow_email?: boolean;
  attributes?: Record<string, unknown>;
  unsubscribed?: boolean;
}

export async function addContact(pool: Pool, seeded: Seeded, fields: ContactFields = {}): Promise<string> {
  const id = newId();
  await pool.query(
    `INSERT INTO contacts (id, workspace_id, email, first_name, consent_level, do_not_bulk_email, allow_follow_email, attributes, account_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      seeded.workspaceId,
      fields.email === undefined ? `c.${randomBytes(4).toString('hex')}@example.com` : fields.email,
      fields.first_name ?? 'Ann',
      fields.consent_level ?? 4,
      fields.do_not_bulk_email ?? false,
      fields.allow_follow_email ?? true,
      JSON.stringify(fields.attributes ?? {}),
      seeded.accountId,
    ],
  );
  await pool.query(
    'INSERT INTO list_memberships (list_id, contact_id, workspace_id, unsubscribed_at) VALUES ($1, $2, $3, $4)',
    [seeded.listId, id, seeded.workspaceId, fields.unsubscribed ? new Date() : null],
  );
  return id;
}

/** The journey of the kit's send requests: a uuid, as the journey engine always writes (docs/messages.md). */
export const JOURNEY_ID = '4a1c6c5e-0d7b-4f43-9d0e-6a1f2b3c4d5e';

export function sendRequest(
  seeded: Seeded,
  contactId: string,
  options: { tileId?: string; journeyId?: string; minConsent?: number } = {},
): SendRequest {
  const parts = {
    journey_id: options.journeyId ?? JOURNEY_ID,
    tile_id: options.tileId ?? 'tile-1',
    iteration: 0,
    contact_id: contactId,
  };
  return {
    ...parts,
    key: sendRequestKey(parts),
    workspace_id: seeded.workspaceId,
    account_id: null,
    email_id: seeded.emailId,
    email_version: 1,
    list_id: seeded.listId,
    content_settings_id: null,
    min_consent: options.minConsent ?? 0,
    requested_at: Date.now(),
  };
}

/** What the journey engine does: batches of at most MAX_SEND_BATCH on SEND_QUEUE, job id from the keys. */
export async function enqueue(queue: Queue, requests: readonly SendRequest[]): Promise<void> {
  for (const job of sendBatches(requests)) await queue.add('send', job, { jobId: sendBatchJobId(job) });
}

export function senderQueueFor(connection: Redis, prefix: string): Queue {
  return new Queue(SEND_QUEUE, { connection, prefix });
}

export function senderConfig(env: TestEnv, smtpPort: number, overrides: Record<string, string> = {}): SenderConfig {
  const loaded = loadConfig(senderSchema, {
    CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
    CAIRN_SENDER_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    CAIRN_QUEUE_PREFIX: uniqueName('sq'),
    CAIRN_SENDER_GROUP_ID: uniqueName('sender'),
    CAIRN_SENDER_METRICS_PORT: '0',
    CAIRN_SENDER_HEALTH_PORT: '0',
    CAIRN_SENDER_MAX_ATTEMPTS: '1',
    ...overrides,
  });
  return {
    ...loaded,
    kafkaBrokers: env.settings.kafkaBrokers,
    topicPrefix: env.topicPrefix,
    postgresUrl: env.postgresUrl,
    logLevel: process.env.CAIRN_TEST_LOG ?? 'silent',
  };
}

/** Every email event on the test's topic, as the aggregator would read them. */
export async function collectEvents(env: TestEnv): Promise<{ events: CairnEvent[]; stop(): Promise<void> }> {
  const events: CairnEvent[] = [];
  const producer = await BatchingProducer.connect(env.kafka);
  const codec = new EventCodec();
  const consumer = await startDecodingConsumer({
    kafka: env.kafka,
    groupId: uniqueName('collect'),
    topics: [env.topics.emailEvents],
    deadLetterTopic: env.topics.deadLetter,
    decode: (bytes) => codec.decode(bytes),
    producer,
    log: testLogger('collect'),
    onBatch: async (batch) => void events.push(...batch.map((c) => c.value)),
  });
  return {
    events,
    async stop() {
      await consumer.stop();
      await producer.disconnect();
    },
  };
}

/** Many eligible contacts at once (no list membership row: never unsubscribed). */
export async function seedContacts(
  pool: Pool,
  seeded: Seeded,
  count: number,
): Promise<{ id: string; email: string }[]> {
  const tag = randomBytes(3).toString('hex');
  const contacts = Array.from({ length: count }, (_, i) => ({ id: newId(), email: `r${i}.${tag}@example.com` }));
  await pool.query(
    `INSERT INTO contacts (id, workspace_id, email, first_name, consent_level)
     SELECT id, $3, email, 'Reader', 4 FROM unnest($1::uuid[], $2::text[]) AS t(id, email)`,
    [contacts.map((c) => c.id), contacts.map((c) => c.email), seeded.workspaceId],
  );
  return contacts;
}

export interface SenderHarness {
  env: TestEnv;
  pool: Pool;
  redis: Redis;
  smtp: RecordingSmtp;
  sender: SenderService;
  config: SenderConfig;
  queue: Queue;
  collected: Awaited<ReturnType<typeof collectEvents>>;
  seeded: Seeded;
  /** Resolves once the sender's suppression writer has applied every address report produced so far. */
  suppressionApplied(): Promise<void>;
  close(): Promise<void>;
}

/** A sender on fresh databases and topics, a recording SMTP peer, its queue, an event collector and a workspace. */
export async function startSenderHarness(
  name: string,
  overrides: (env: TestEnv) => Promise<Record<string, string>> | Record<string, string> = () => ({}),
): Promise<SenderHarness> {
  const env = await createTestEnv(name);
  const pool = createPgPool(env.postgresUrl, 4);
  const redis = createRedis(env.settings.redisUrl, { forBullmq: true });
  const smtp = new RecordingSmtp();
  const config = senderConfig(env, await smtp.listen(), await overrides(env));
  const sender = buildSender(config, testLogger('sender'));
  await sender.start();
  const queue = senderQueueFor(redis, config.queuePrefix);
  const collected = await collectEvents(env);
  const seeded = await seedWorkspace(pool);
  const harness: SenderHarness = {
    env,
    pool,
    redis,
    smtp,
    sender,
    config,
    queue,
    collected,
    seeded,
    suppressionApplied: async () =>
      void (await waitFor(
        () => consumerLag(env.kafka, addressReportsGroup(config.groupId), env.topics.addressReports),
        (lag) => lag === 0,
      )),
    async close() {
      await harness.sender.stop();
      await collected.stop();
      await queue.close();
      await smtp.close();
      await redis.quit();
      await pool.end();
      await env.cleanup();
    },
  };
  return harness;
}
