import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { clickhouseLoginEnv, type ClickHouseLogins } from '../../test/support/clickhouse-users';
import type { DemoNamespace } from './demo-namespace';
import { DEMO_DIR, startService, stopService, waitHealthy, type RunningService } from './service-processes';

/**
 * The demo's ports: fixed, below the ephemeral range (32768+) that tests' random ports come from, so a test
 * never takes them. CAIRN_DEMO_PORT moves the whole block.
 */
export function demoPorts(base: number) {
  return {
    api: base,
    ingest: base + 1,
    senderHealth: base + 3,
    senderMetrics: base + 4,
    schedulerHealth: base + 5,
    aggregatorHealth: base + 7,
    engagement: base + 8,
    engagementSmtp: base + 9,
    ingestMetrics: base + 11,
  };
}
export type DemoPorts = ReturnType<typeof demoPorts>;

/** The services' log level (their logs are in .stack/demo/): CAIRN_LOG_LEVEL when set. */
const LOG_LEVEL = process.env.CAIRN_LOG_LEVEL || 'info';

export interface DemoSecrets {
  adminToken: string;
  trackingKeys: string;
  /** seals sending domains' DKIM keys (CAIRN_DKIM_KEY_ENCRYPTION_KEY, the API's and the sender's) */
  dkimKeyEncryptionKey: string;
}

export function newSecrets(): DemoSecrets {
  return {
    adminToken: randomBytes(24).toString('hex'),
    trackingKeys: `1:${randomBytes(32).toString('base64')}`,
    dkimKeyEncryptionKey: randomBytes(32).toString('base64'),
  };
}

export interface DemoServiceOptions {
  namespace: DemoNamespace;
  ports: DemoPorts;
  secrets: DemoSecrets;
  smtpUrl: string;
  /** the local stack's ClickHouse users: each process talks to ClickHouse as its own, as in production */
  clickhouse: ClickHouseLogins;
}

function senderEnv(o: DemoServiceOptions, common: Record<string, string>): Record<string, string> {
  return {
    ...common,
    CAIRN_TRACKING_KEYS: o.secrets.trackingKeys,
    CAIRN_SENDER_TRACKING_URL: `http://127.0.0.1:${o.ports.ingest}`,
    CAIRN_SENDER_SMTP_URL: o.smtpUrl,
    CAIRN_DKIM_KEY_ENCRYPTION_KEY: o.secrets.dkimKeyEncryptionKey,
    CAIRN_SENDER_HEALTH_PORT: String(o.ports.senderHealth),
    CAIRN_SENDER_METRICS_PORT: String(o.ports.senderMetrics),
  };
}

/** Every Cairn service as a process, each on the run's namespace; resolves when every /healthz answers. */
export async function startServices(o: DemoServiceOptions): Promise<RunningService[]> {
  const common = { ...o.namespace.env, CAIRN_LOG_LEVEL: LOG_LEVEL };
  const started: RunningService[] = [];
  const start = (name: string, env: Record<string, string>): RunningService => {
    const service = startService(name, env, started);
    started.push(service);
    return service;
  };
  const api = start('api', {
    ...common,
    CAIRN_API_PORT: String(o.ports.api),
    CAIRN_ADMIN_TOKEN: o.secrets.adminToken,
    CAIRN_DKIM_KEY_ENCRYPTION_KEY: o.secrets.dkimKeyEncryptionKey,
    // the demo's emails are From example domains nobody can publish DKIM records for (docs/api.md#sending-domains)
    CAIRN_API_SENDING_DOMAINS: 'relaxed',
    CAIRN_SEGMENT_REFRESH_SECONDS: '0',
    ...clickhouseLoginEnv(o.clickhouse.api),
    CAIRN_API_ERASURE_CLICKHOUSE_USER: o.clickhouse.erasure.user,
    CAIRN_API_ERASURE_CLICKHOUSE_PASSWORD: o.clickhouse.erasure.password,
    CAIRN_ENGAGEMENT_PUBLIC_URL: `http://127.0.0.1:${o.ports.engagement}`,
    CAIRN_INGEST_PUBLIC_URL: `http://127.0.0.1:${o.ports.ingest}`,
  });
  const ingest = start('ingest', {
    ...common,
    CAIRN_INGEST_PORT: String(o.ports.ingest),
    CAIRN_INGEST_PUBLIC_URL: `http://127.0.0.1:${o.ports.ingest}`,
    CAIRN_INGEST_METRICS_PORT: String(o.ports.ingestMetrics),
    // Every simulated recipient forwards and submits from the same loopback address: the per-address forward and
    // form limits are for the real world (the per-email form limit stays as it is).
    CAIRN_INGEST_FORWARD_PER_IP: '100000',
    CAIRN_INGEST_FORM_PER_IP: '100000',
    CAIRN_TRACKING_KEYS: o.secrets.trackingKeys,
    CAIRN_INGEST_SPOOL_DIR: join(DEMO_DIR, 'spool', o.namespace.name),
  });
  const aggregator = start('aggregator', {
    ...common,
    ...clickhouseLoginEnv(o.clickhouse.aggregator),
    CAIRN_AGGREGATOR_HEALTH_PORT: String(o.ports.aggregatorHealth),
  });
  const scheduler = start('scheduler', {
    ...common,
    // send-time optimisation reads engagement history as the API's read-only user (docs/scheduler.md#send-time-optimisation)
    ...clickhouseLoginEnv(o.clickhouse.api),
    // The planted complaints (one recipient in 500, and the reminders then attempted to their suppressed addresses)
    // test complaint handling: with the holdout's fifth of the audience getting no mail they pass the default 0.3 %
    // and the circuit breaker would pause the journey mid-run (docs/scheduler.md#circuit-breaker).
    CAIRN_BREAKER_COMPLAINT_RATE: '0.01',
    CAIRN_SCHEDULER_HEALTH_PORT: String(o.ports.schedulerHealth),
  });
  const sender = start('sender', senderEnv(o, common));
  // One-to-one email (issue 16): the journey does not use it, the API's /v1/engagement and the pages do.
  const engagement = start('engagement', {
    ...common,
    CAIRN_ENGAGEMENT_PORT: String(o.ports.engagement),
    CAIRN_ENGAGEMENT_SMTP_PORT: String(o.ports.engagementSmtp),
    CAIRN_ENGAGEMENT_METRICS_PORT: '-1',
    CAIRN_ENGAGEMENT_INBOUND_SECRET: randomBytes(32).toString('hex'),
    // the demo's From domain: replies to it and its List-Unsubscribe mailto (unsubscribe@example.com) land here
    CAIRN_ENGAGEMENT_INBOUND_DOMAINS: 'example.com',
    CAIRN_TRACKING_KEYS: o.secrets.trackingKeys,
  });
  const health = (port: number, service: RunningService) => waitHealthy(`http://127.0.0.1:${port}/healthz`, service);
  try {
    await Promise.all([
      health(o.ports.api, api),
      health(o.ports.ingest, ingest),
      health(o.ports.aggregatorHealth, aggregator),
      health(o.ports.schedulerHealth, scheduler),
      health(o.ports.senderHealth, sender),
      health(o.ports.engagement, engagement),
    ]);
  } catch (error) {
    for (const service of [...started].reverse()) await stopService(service);
    throw error;
  }
  return started;
}

/**
 * After a `--keep` run the demo's recording inbox is gone with the demo: the sender is restarted on another SMTP
 * peer (the stack's smtp-sink), so mail sent later (test sends, new journeys) is accepted rather than retried.
 */
export async function restartSender(services: RunningService[], o: DemoServiceOptions): Promise<RunningService[]> {
  const old = services.find((s) => s.name === 'sender');
  const others = services.filter((s) => s !== old);
  if (old) await stopService(old);
  const sender = startService('sender', senderEnv(o, { ...o.namespace.env, CAIRN_LOG_LEVEL: LOG_LEVEL }), others, 'a');
  await waitHealthy(`http://127.0.0.1:${o.ports.senderHealth}/healthz`, sender);
  return [...others, sender];
}
