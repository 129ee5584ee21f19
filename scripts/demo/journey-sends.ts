import { Queue } from 'bullmq';
import { simpleParser } from 'mailparser';
import type { EmailLink } from '../../lib/email/email-links';
import { createPgPool } from '../../lib/postgres/pg-pool';
import { createRedis } from '../../lib/redis/redis-connection';
import { MAX_SEND_BATCH, SEND_QUEUE, sendBatchJobId, sendRequestKey, type SendRequest } from '../../lib/sending/send-request';
import { TRACKING_HEADER, type TrackingTokenCodec } from '../../lib/tracking/tracking-token';
import type { RecordingSmtp } from '../../test/support/recording-smtp';

/** A contact as the demo imported it. */
export interface Recipient {
  id: string;
  email: string;
  first_name: string | null;
  do_not_bulk_email: boolean;
  attributes: Record<string, unknown>;
}

/** The live version the journey sends. */
export interface LiveVersion {
  emailId: string;
  version: number;
  subject: string;
  fromAddress: string;
  fromName: string;
  compiledHtml: string;
  links: EmailLink[];
}

/** A message as the recipient's inbox holds it: its token (pixel, unsubscribe, forward) and its click URLs. */
export interface SentMessage {
  contactId: string;
  messageId: string;
  token: string;
  clicks: { linkId: string; url: string; token: string }[];
}

export interface JourneySendOptions {
  redisUrl: string;
  postgresUrl: string;
  queuePrefix: string;
  workspaceId: string;
  journeyId: string;
  listId: string;
  version: LiveVersion;
  recipients: Recipient[];
  inbox: RecordingSmtp;
  tokens: TrackingTokenCodec;
  onProgress: (done: number, total: number) => void;
}

/**
 * Stands in for the journey engine (services/scheduler, its own issue): queues one SendRequest per contact on
 * SEND_QUEUE in batches, as the engine will, and waits for services/sender to settle every one of them.
 */
async function queueRequests(options: JourneySendOptions): Promise<void> {
  const redis = createRedis(options.redisUrl, { forBullmq: true });
  const queue = new Queue(SEND_QUEUE, { connection: redis, prefix: options.queuePrefix });
  try {
    const requests: SendRequest[] = options.recipients.map((r) => {
      const parts = { journey_id: options.journeyId, tile_id: 'welcome', iteration: 0, contact_id: r.id };
      return {
        ...parts, key: sendRequestKey(parts), workspace_id: options.workspaceId, account_id: null, email_id: options.version.emailId,
        email_version: options.version.version, list_id: options.listId, content_settings_id: null, min_consent: 0, requested_at: Date.now(),
      };
    });
    for (let i = 0; i < requests.length; i += MAX_SEND_BATCH) {
      const batch = requests.slice(i, i + MAX_SEND_BATCH);
      await queue.add('send', { kind: 'journey', requests: batch }, { jobId: sendBatchJobId(batch) });
    }
  } finally {
    await queue.close();
    await redis.quit();
  }
}

async function waitSettled(options: JourneySendOptions): Promise<{ delivered: number; blocked: number }> {
  const pool = createPgPool(options.postgresUrl, 1);
  try {
    for (const deadline = Date.now() + 300_000; ; ) {
      const { rows } = await pool.query<{ done: number; delivered: number; blocked: number }>(
        `SELECT count(*) FILTER (WHERE events_emitted)::int AS done, count(*) FILTER (WHERE state = 'delivered')::int AS delivered,
                count(*) FILTER (WHERE state = 'blocked')::int AS blocked
           FROM sender_deliveries WHERE workspace_id = $1 AND kind = 'journey'`,
        [options.workspaceId],
      );
      const row = rows[0] ?? { done: 0, delivered: 0, blocked: 0 };
      options.onProgress(row.done, options.recipients.length);
      if (row.done === options.recipients.length) return row;
      if (Date.now() > deadline) throw new Error('the sender did not settle every request within 300 s; see .stack/demo/sender.log');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await pool.end();
  }
}

/** Reads each delivered message back from the inbox: its token header and the click URLs in its HTML. */
async function readInbox(options: JourneySendOptions): Promise<SentMessage[]> {
  const urls = new Map(options.version.links.map((link) => [link.link_id, link.url]));
  const messages: SentMessage[] = [];
  for (const received of options.inbox.received) {
    const mail = await simpleParser(received.raw);
    const token = String(mail.headers.get(TRACKING_HEADER.toLowerCase()) ?? '');
    const decoded = options.tokens.verify(token);
    if (!decoded) continue;
    const clicks = [...String(mail.html).matchAll(/\/c\/([A-Za-z0-9_-]+)/g)].flatMap((m) => {
      const click = options.tokens.verify(m[1] as string);
      return click?.linkId ? [{ linkId: click.linkId, url: urls.get(click.linkId) ?? '', token: m[1] as string }] : [];
    });
    messages.push({ contactId: decoded.contactId, messageId: decoded.messageId, token, clicks });
  }
  return messages;
}

export async function sendThroughSender(options: JourneySendOptions): Promise<{ sent: SentMessage[]; blocked: number }> {
  await queueRequests(options);
  const { blocked } = await waitSettled(options);
  return { sent: await readInbox(options), blocked };
}
