import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadConfig } from '../../lib/platform/config';
import { buildAggregator } from '../../services/aggregator/aggregator.app';
import { loadAggregatorConfig } from '../../services/aggregator/aggregator.config';
import { buildEngagement, type EngagementService } from '../../services/engagement/engagement.app';
import { engagementSchema, type EngagementConfig } from '../../services/engagement/engagement.config';
import { buildSender, type SenderService } from '../../services/sender/sender.app';
import { startApiKit, client, createWorkspace, type ApiKit } from '../api/api-test-kit';
import { ingestConfig, startIngest, TRACKING_KEYS } from '../ingest/ingest-support';
import { senderConfig } from '../sender/sender-kit';
import { FixtureDns, SigningDomain } from '../support/dns-fixtures';
import { LOOPBACK_EGRESS, loopbackEgressConfig } from '../support/loopback-egress';
import { RecordingSmtp } from '../support/recording-smtp';
import { testLogger, uniqueName } from '../support/test-env';
import { waitFor } from '../support/wait-for';

export const INBOUND_SECRET = 'inbound-secret-0123456789abcdef0123456789';
export const INBOUND_DOMAIN = 'replies.cairn.test';
/** The contacts' domain (c.<id>@example.com): it signs its replies with DKIM, lists 127.0.0.1 in SPF, DMARC p=reject. */
export const CONTACT_DOMAIN = new SigningDomain('example.com');
/** What the engagement service's reply verification finds in DNS (test/support/dns-fixtures.ts says why a table). */
export const REPLY_DNS = CONTACT_DOMAIN.publish(new FixtureDns());

/** A receiver for alert webhooks: records each POST; answers 500 to the first `failFirst` ones. */
export class WebhookSink {
  readonly received: { headers: IncomingMessage['headers']; body: string }[] = [];
  attempts = 0;
  failFirst = 0;
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.attempts++;
      if (this.attempts <= this.failFirst) return void res.writeHead(500).end();
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface EngagementKit {
  api: ApiKit;
  smtp: RecordingSmtp;
  engagement: EngagementService;
  /** the engagement service's settings, for a second one built in a test */
  engagementConfig: EngagementConfig;
  ingestUrl: string;
  call: ReturnType<typeof client>;
  workspaceId: string;
  close(): Promise<void>;
}

/**
 * The whole path on the real stack, in process: the API (one-to-one messages), the sender (to a recording SMTP
 * peer), ingest (beacon, links, attachments), the aggregator (ClickHouse) and the engagement service.
 */
export async function startEngagementKit(env: Record<string, string> = {}): Promise<EngagementKit> {
  const queuePrefix = uniqueName('eq');
  // the alert webhook sink listens on loopback: allowlisted for the API's save-time check and for the service
  const api = await startApiKit({ queuePrefix, ...loopbackEgressConfig });
  const ingest = await startIngest(
    ingestConfig(api.env, { CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','), CAIRN_INGEST_MACHINE_WINDOW_S: '0' }),
  );
  const smtp = new RecordingSmtp();
  const sender: SenderService = buildSender(
    senderConfig(api.env, await smtp.listen(), {
      CAIRN_SENDER_TRACKING_URL: ingest.url(),
      CAIRN_QUEUE_PREFIX: queuePrefix,
    }),
    testLogger('sender'),
  );
  await sender.start();
  const aggregator = buildAggregator(
    loadAggregatorConfig({
      CAIRN_TOPIC_PREFIX: api.env.topicPrefix,
      CAIRN_CLICKHOUSE_DATABASE: api.env.clickhouseDatabase,
      CAIRN_AGGREGATOR_GROUP_ID: uniqueName('agg'),
      CAIRN_AGGREGATOR_LINGER_MS: '50',
    }),
    testLogger('aggregator'),
  );
  await aggregator.start();
  const config = {
    ...loadConfig(engagementSchema, {
      CAIRN_ENGAGEMENT_INBOUND_SECRET: INBOUND_SECRET,
      CAIRN_ENGAGEMENT_PORT: '0',
      CAIRN_ENGAGEMENT_SMTP_PORT: '0',
      CAIRN_ENGAGEMENT_METRICS_PORT: '-1',
      CAIRN_ENGAGEMENT_INBOUND_DOMAINS: INBOUND_DOMAIN,
      CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
      CAIRN_ENGAGEMENT_GROUP_ID: uniqueName('engage'),
      CAIRN_ENGAGEMENT_FROM_BEGINNING: 'true',
      CAIRN_ENGAGEMENT_TICK_MS: '200',
      CAIRN_ENGAGEMENT_REMINDER_GRACE_MS: '1000',
      CAIRN_ENGAGEMENT_WEBHOOK_BACKOFF_MS: '200',
      ...LOOPBACK_EGRESS,
      ...env,
    }),
    kafkaBrokers: api.env.settings.kafkaBrokers,
    topicPrefix: api.env.topicPrefix,
    postgresUrl: api.env.postgresUrl,
    queuePrefix,
    logLevel: process.env.CAIRN_TEST_LOG ?? 'silent',
  };
  const engagement = buildEngagement(config, testLogger('engagement'), { dns: REPLY_DNS.resolve });
  await engagement.start();
  // the API puts followed attachments' links on the engagement service's public URL, and forms and pages on ingest's
  Object.assign(api.config, {
    engagementPublicUrl: `http://127.0.0.1:${engagement.ports().http}`,
    ingestPublicUrl: ingest.url(),
    templateMinSends: 2,
  });
  const workspace = await createWorkspace(api, 'engagement');
  return {
    api,
    smtp,
    engagement,
    engagementConfig: config,
    ingestUrl: ingest.url(),
    call: client(api, workspace.key),
    workspaceId: workspace.id,
    async close() {
      await engagement.stop();
      await sender.stop();
      await aggregator.stop();
      await ingest.cleanup();
      await smtp.close();
      await api.close();
    },
  };
}

/** The messages the recording SMTP peer got for an address, parsed. */
export async function mailTo(smtp: RecordingSmtp, address: string, count = 1): Promise<ParsedMail[]> {
  const received = await waitFor(
    () => smtp.to(address),
    (list) => list.length >= count,
    20_000,
  );
  return Promise.all(received.map((r) => simpleParser(r.raw)));
}

/** A one-to-one template whose subject and body greet the contact by first name; its id. */
export async function makeTemplate(kit: EngagementKit, name: string, bodyHtml: string): Promise<string> {
  const res = await kit.call('POST', '/v1/engagement/templates', {
    name,
    subject: `${name} for {{contact.first_name}}`,
    body_html: bodyHtml,
  });
  if (res.statusCode !== 201) throw new Error(`template: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
}
