import type { Pool } from 'pg';
import { createPgPool } from '../../lib/platform/postgres/pg-pool';
import { readAddressReport, type AddressReport } from '../../lib/contracts/suppression/address-report';
import { decodeForwardRequest, type ForwardRequest } from '../../lib/contracts/tracking/forward-request-codec';
import { createTestEnv, type TestEnv } from '../support/test-env';
import {
  BROWSER_UA,
  httpRequest,
  type HttpResult,
  ingestConfig,
  seed,
  type Seeded,
  startIngest,
  TopicReader,
} from './ingest-support';

/** An ingest behind a (pretend) proxy on its own test env, a reader of what it produces, one seeded workspace. */
export interface IngestKit {
  env: TestEnv;
  pool: Pool;
  ingest: Awaited<ReturnType<typeof startIngest>>;
  reader: TopicReader;
  s: Seeded;
  /** A fresh client address (X-Forwarded-For) for each caller, so one test's bad-token budget is not another's. */
  client(): string;
  /** A request from client address `ip`; a payload goes as a form. */
  send(
    ip: string,
    method: string,
    url: string,
    payload?: string,
    headers?: Record<string, string>,
  ): Promise<HttpResult>;
  /** The forward requests queued for a message. */
  forwardsOf(messageId: string): (ForwardRequest | null)[];
  /** The address reports ingest handed the suppression writer for an address. */
  reportsFor(address: string): AddressReport[];
}

export async function startIngestKit(name: string, overrides: Record<string, string> = {}): Promise<IngestKit> {
  const env = await createTestEnv(name);
  const pool = createPgPool(env.postgresUrl, 3);
  const ingest = await startIngest(ingestConfig(env, { CAIRN_INGEST_TRUST_PROXY: 'true', ...overrides }));
  const reader = await new TopicReader(env.kafka, [
    env.topics.emailEvents,
    env.topics.forwardRequests,
    env.topics.addressReports,
  ]).start();
  const s = await seed(pool);
  let clients = 0;
  return {
    env,
    pool,
    ingest,
    reader,
    s,
    client: () => `10.${200 + (clients >> 16)}.${(++clients >> 8) & 255}.${clients & 255}`,
    send: (ip, method, url, payload, headers = {}) =>
      httpRequest(ingest.url(), {
        method,
        url,
        payload,
        headers: {
          'user-agent': BROWSER_UA,
          'x-forwarded-for': ip,
          ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
      }),
    reportsFor: (address) =>
      reader.raw
        .filter((m) => m.topic === env.topics.addressReports)
        .map((m) => readAddressReport(m.value))
        .filter((r) => r.address === address),
    forwardsOf: (messageId) =>
      reader.raw
        .filter((m) => m.topic === env.topics.forwardRequests)
        .map((m) => decodeForwardRequest(m.value))
        .filter((r) => r?.original_message_id === messageId),
  };
}

export async function stopIngestKit(kit: IngestKit | undefined): Promise<void> {
  await kit?.reader.stop();
  await kit?.ingest.cleanup();
  await kit?.pool.end();
  await kit?.env.cleanup();
}
