import { randomBytes } from 'node:crypto';
import { connectionSchema, loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { migrateAll } from '../lib/migrations/run-migrations';
import { parseTrackingKeys, TrackingTokenCodec } from '../lib/tracking/tracking-token';
import { createWebhookSecret } from '../services/ingest/webhook-auth';
import { ApiClient } from './demo/api-client';
import { reportDelivery } from './demo/mail-provider';
import { prepareCampaign, type Campaign } from './demo/campaign-setup';
import { engage } from './demo/recipients';
import { startService, stopService, waitHealthy, type RunningService } from './demo/service-processes';
import { sendThroughSender } from './demo/journey-sends';
import { RecordingSmtp } from '../test/support/recording-smtp';

/**
 * The end-to-end demo on the local stack, through Cairn's real services and HTTP APIs:
 * API (workspace, contact import, list, content settings, email error check and go-live, segment, journey)
 * → services/sender (send requests queued as the journey engine will; per-recipient render, signed tracking links,
 *   SMTP to the demo's inbox, send/blocked events to Kafka)
 * → recipients on ingest's pixel, redirect and one-click unsubscribe (plus scanner traffic)
 * → Kafka → aggregator → ClickHouse KPIs → read back through the API's insights endpoints.
 */
const config = loadConfig(connectionSchema);
const CONTACTS = Number(process.env.CAIRN_DEMO_CONTACTS ?? 2000);
const API_PORT = Number(process.env.CAIRN_DEMO_API_PORT ?? 18080);
const INGEST_PORT = Number(process.env.CAIRN_DEMO_INGEST_PORT ?? 18081);
const SENDER_HEALTH_PORT = Number(process.env.CAIRN_DEMO_SENDER_PORT ?? 18083);
const QUEUE_PREFIX = `demo-${randomBytes(4).toString('hex')}`;

const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
let stepNo = 0;
const step = (text: string): void => void process.stdout.write(`\n[${++stepNo}] ${text}  (${elapsed()})\n`);
const say = (text: string): void => void process.stdout.write(`    ${text}\n`);

interface Insights {
  targeted: number; sent: number; delivered: number; blocked: number; openedTotal: number; openedUnique: number;
  clickedTotal: number; clickedUnique: number; unsubscribed: number; machineOpens: number; machineClicks: number;
  bouncedHard: number; bouncedTotal: number; feedbackLoops: number; forwarded: number; forwardSubmissions: number;
}

async function startServices(adminToken: string, trackingKeys: string, inboxPort: number): Promise<RunningService[]> {
  const common = { CAIRN_LOG_LEVEL: 'info' };
  const sender = startService('sender', {
    ...common, CAIRN_TRACKING_KEYS: trackingKeys, CAIRN_SENDER_TRACKING_URL: `http://127.0.0.1:${INGEST_PORT}`,
    CAIRN_SENDER_SMTP_URL: `smtp://127.0.0.1:${inboxPort}`, CAIRN_QUEUE_PREFIX: QUEUE_PREFIX,
    CAIRN_SENDER_HEALTH_PORT: String(SENDER_HEALTH_PORT), CAIRN_SENDER_METRICS_PORT: String(SENDER_HEALTH_PORT + 1),
  });
  const api = startService('api', { ...common, CAIRN_API_PORT: String(API_PORT), CAIRN_ADMIN_TOKEN: adminToken, CAIRN_SEGMENT_REFRESH_SECONDS: '0' });
  const ingest = startService('ingest', {
    ...common, CAIRN_INGEST_PORT: String(INGEST_PORT), CAIRN_INGEST_METRICS_PORT: String(INGEST_PORT + 10),
    // Every simulated recipient forwards from the same loopback address: the per-address forward limit is for the real world.
    CAIRN_INGEST_FORWARD_PER_IP: '1000',
    CAIRN_TRACKING_KEYS: trackingKeys, CAIRN_INGEST_SPOOL_DIR: '.stack/demo/spool',
  });
  const aggregator = startService('aggregator', { ...common });
  await Promise.all([
    waitHealthy(`http://127.0.0.1:${API_PORT}/healthz`, api),
    waitHealthy(`http://127.0.0.1:${INGEST_PORT}/healthz`, ingest),
    waitHealthy(`http://127.0.0.1:${SENDER_HEALTH_PORT}/healthz`, sender),
  ]);
  return [sender, aggregator, ingest, api];
}

/** Polls until the aggregator has made every expected KPI visible (the aggregator works in near real time). */
async function waitForKpis(api: ApiClient, campaign: Campaign, expected: Partial<Insights>): Promise<Insights> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const kpis = await api.get<Insights>(`/v1/insights/emails/${campaign.emailId}`);
    const missing = Object.entries(expected).filter(([key, value]) => kpis[key as keyof Insights] < (value ?? 0));
    say(`KPIs visible: sent ${kpis.sent}, unique opens ${kpis.openedUnique}, hard bounces ${kpis.bouncedHard}, forwards ${kpis.forwarded}`);
    if (missing.length === 0) return kpis;
    if (Date.now() > deadline) throw new Error('KPIs did not become visible within 120 s; see .stack/demo/aggregator.log');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function run(services: RunningService[], adminToken: string, tokens: TrackingTokenCodec, inbox: RecordingSmtp): Promise<void> {
  const apiUrl = `http://127.0.0.1:${API_PORT}`;
  const ingestUrl = `http://127.0.0.1:${INGEST_PORT}`;
  step(`marketing ops through the REST API (${apiUrl}/docs)`);
  const campaign = await prepareCampaign({ apiUrl, ingestUrl, adminToken, contacts: CONTACTS, say });
  const api = new ApiClient(apiUrl, campaign.apiKey);

  step(`the journey queues a send request per contact; services/sender renders and delivers them to the demo's inbox`);
  say('the journey engine comes with its own issue; until then this demo queues the send requests in its place');
  const { sent, blocked } = await sendThroughSender({
    redisUrl: config.redisUrl, postgresUrl: config.postgresUrl, queuePrefix: QUEUE_PREFIX, workspaceId: campaign.workspaceId,
    journeyId: campaign.journeyId, listId: campaign.listId, version: campaign.version, recipients: campaign.recipients, inbox, tokens,
    onProgress: (done, total) => say(`sender settled ${done}/${total} (${elapsed()})`),
  });
  say(`${sent.length} messages accepted by SMTP, ${blocked} blocked (do not bulk email, blocklisted addresses)`);
  // ingest labels hits within 5 s of the send as machine traffic (scanners fetch on arrival): people read later
  await new Promise((resolve) => setTimeout(resolve, 6000));

  step(`recipients open, click and unsubscribe on ingest (${ingestUrl})`);
  const plan = await engage(ingestUrl, sent, (done) => say(`recipients acted on ${done}/${sent.length} messages`));
  say(`${plan.opens} opens (+${plan.repeatOpens} repeat), ${plan.clicks} clicks (${plan.redirectsFollowed} redirected to the recorded URL), ` +
    `${plan.unsubscribes} one-click unsubscribes, ${plan.machineHits} scanner hits`);

  step('the mail provider reports bounces and complaints through the webhooks; some recipients forward');
  const report = await reportDelivery({ ingestUrl, postgresUrl: config.postgresUrl, workspaceId: campaign.workspaceId, messages: sent, createSecret: createWebhookSecret });
  say(`${report.hardBounces} hard bounces (5.1.1: addresses suppressed for 6 months), ${report.complaints} feedback-loop complaints, ${report.forwards} forwards to ${report.forwardedAddresses} addresses`);

  step('Kafka → aggregator → ClickHouse; KPIs read back through GET /v1/insights/emails/{id}');
  const kpis = await waitForKpis(api, campaign, {
    sent: sent.length, openedUnique: plan.opens, bouncedHard: report.hardBounces, feedbackLoops: report.complaints, forwarded: report.forwardedAddresses,
  });
  for (const [name, value] of Object.entries(kpis)) if (typeof value === 'number') say(`${name.padEnd(22)} ${String(value).padStart(7)}`);
  const links = await api.get<{ items: { url: string; uniqueClicks: number; clickThroughRate: number }[] }>(`/v1/insights/emails/${campaign.emailId}/links`);
  for (const link of links.items) say(`link ${link.url.padEnd(36)} unique clicks ${String(link.uniqueClicks).padStart(5)}  click-through rate ${(link.clickThroughRate * 100).toFixed(1)}%`);
  const checks: [string, boolean][] = [
    ['Sent = targeted − blocked', kpis.sent === kpis.targeted - kpis.blocked],
    ['sent matches SMTP hand-offs', kpis.sent === sent.length],
    ['Delivered = sent − total bounced', kpis.delivered === kpis.sent - kpis.bouncedTotal && kpis.bouncedHard === report.hardBounces],
    ['feedback loops and forwarded addresses counted', kpis.feedbackLoops === report.complaints && kpis.forwarded === report.forwardedAddresses && kpis.forwardSubmissions === report.forwards],
    ['unique opens match human openers', kpis.openedUnique === plan.opens],
    ['scanner traffic kept but out of human KPIs', kpis.machineOpens > 0 && kpis.openedTotal === plan.opens + plan.repeatOpens],
  ];
  for (const [what, ok] of checks) say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  void services;
}

async function main(): Promise<void> {
  step('migrations (ClickHouse + PostgreSQL)');
  const applied = await migrateAll(config, createLogger({ service: 'demo', level: 'warn' }));
  say(`applied now: clickhouse ${applied.clickhouse.length}, postgres ${applied.postgres.length}`);

  step('starting api, ingest, aggregator and sender (logs in .stack/demo/); a recording SMTP peer stands in for the inboxes');
  const inbox = new RecordingSmtp();
  const inboxPort = await inbox.listen();
  const adminToken = randomBytes(24).toString('hex');
  const trackingKeys = `1:${randomBytes(32).toString('base64')}`;
  const tokens = new TrackingTokenCodec(parseTrackingKeys([trackingKeys]), 1);
  const services = await startServices(adminToken, trackingKeys, inboxPort);
  try {
    await run(services, adminToken, tokens, inbox);
  } finally {
    step('stopping services');
    for (const service of services) await stopService(service);
    await inbox.close();
  }
  say(`demo finished in ${elapsed()}`);
}

main().catch((error: Error) => {
  process.stderr.write(`\ndemo failed: ${error.message}\n`);
  process.exitCode = 1;
});
