import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { loadConfig } from '../../lib/platform/config';
import {
  parseTrackingKeys,
  type TokenPurpose,
  type TrackingToken,
  TrackingTokenCodec,
} from '../../lib/contracts/tracking/tracking-token';
import { type IngestConfig, ingestSchema } from '../../services/ingest/ingest.config';
import { createIngestService, type IngestService } from '../../services/ingest/ingest.service';
import { newId, testLogger, type TestEnv } from '../support/test-env';

export const TRACKING_KEYS = [`1:${randomBytes(32).toString('base64')}`];
export const tokens = new TrackingTokenCodec(parseTrackingKeys(TRACKING_KEYS), 1);

/** An ingest service on an ephemeral port against the test env, with its own spool directory. */
export function ingestConfig(
  env: TestEnv,
  overrides: Record<string, string> = {},
): IngestConfig & { spoolDir: string } {
  const spoolDir = overrides.CAIRN_INGEST_SPOOL_DIR ?? mkdtempSync(join(tmpdir(), 'cairn-spool-'));
  const loaded = loadConfig(ingestSchema, {
    CAIRN_TRACKING_KEYS: TRACKING_KEYS.join(','),
    CAIRN_INGEST_PORT: '0',
    CAIRN_INGEST_METRICS_PORT: '0',
    CAIRN_INGEST_SPOOL_DIR: spoolDir,
    CAIRN_INGEST_ACCESS_LOG: 'false',
    ...overrides,
  });
  // Quiet by default (a broker outage test would print every client retry); CAIRN_TEST_LOG=info to see them.
  return {
    ...loaded,
    ...env.settings,
    logLevel: process.env.CAIRN_TEST_LOG ?? 'silent',
    spoolDir,
    ...(overrides.CAIRN_KAFKA_BROKERS ? { kafkaBrokers: overrides.CAIRN_KAFKA_BROKERS.split(',') } : {}),
  };
}

export async function startIngest(config: IngestConfig): Promise<IngestService & { cleanup(): Promise<void> }> {
  const service = createIngestService(config, testLogger('ingest'));
  await service.start();
  return Object.assign(service, {
    async cleanup() {
      await service.stop();
      rmSync(config.spoolDir, { recursive: true, force: true });
    },
  });
}

export interface Seeded {
  workspaceId: string;
  contactId: string;
  address: string;
  emailId: string;
  listIds: string[];
  links: Record<'safe' | 'file' | 'js' | 'protocolRelative' | 'crlf', string>;
}

export const DESTINATION = 'https://example.com/landing?utm_source=cairn';

/** A workspace with a contact on two lists and a live email version whose link table includes hostile rows. */
export async function seed(pool: Pool): Promise<Seeded> {
  const workspaceId = newId();
  const contactId = newId();
  const emailId = newId();
  const listIds = [newId(), newId()];
  const address = `ann.${randomBytes(3).toString('hex')}@example.com`;
  await pool.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [workspaceId, 'ingest test']);
  await pool.query('INSERT INTO contacts (id, workspace_id, email) VALUES ($1, $2, $3)', [
    contactId,
    workspaceId,
    address,
  ]);
  for (const [i, id] of listIds.entries()) {
    await pool.query('INSERT INTO subscription_lists (id, workspace_id, name) VALUES ($1, $2, $3)', [
      id,
      workspaceId,
      `List ${i}`,
    ]);
    await pool.query('INSERT INTO list_memberships (list_id, contact_id, workspace_id) VALUES ($1, $2, $3)', [
      id,
      contactId,
      workspaceId,
    ]);
  }
  await pool.query('INSERT INTO emails (id, workspace_id, name, status, live_version) VALUES ($1, $2, $3, $4, 1)', [
    emailId,
    workspaceId,
    'news',
    'live',
  ]);
  await pool.query(
    `INSERT INTO email_versions (email_id, version, workspace_id, subject, from_address, compiled_html)
     VALUES ($1, 1, $2, 'Hello', 'news@cairn.example', '<p>hi</p>')`,
    [emailId, workspaceId],
  );
  const links = { safe: 'l1', file: 'att1', js: 'bad-js', protocolRelative: 'bad-pr', crlf: 'bad-crlf' };
  const rows: [string, string, string][] = [
    [links.safe, DESTINATION, 'link'],
    [links.file, 'https://files.example.com/brochure.pdf', 'attachment'],
    [links.js, 'javascript:alert(document.cookie)', 'link'],
    [links.protocolRelative, '//evil.example/phish', 'link'],
    [links.crlf, 'https://example.com/\r\nSet-Cookie: x=1', 'link'],
  ];
  for (const [linkId, url, kind] of rows) {
    await pool.query('INSERT INTO email_links (email_id, version, link_id, url, kind) VALUES ($1, 1, $2, $3, $4)', [
      emailId,
      linkId,
      url,
      kind,
    ]);
  }
  return { workspaceId, contactId, address, emailId, listIds, links };
}

/**
 * A token as the sender would mint it for one message, sent an hour ago (not "too soon"), for `purpose`: by default
 * the pixel's (`open`), or a click's when it names a link.
 */
export function tokenFor(
  s: Seeded,
  extra: Partial<TrackingToken> = {},
  purpose?: TokenPurpose,
): { token: string; messageId: string } {
  const messageId = extra.messageId ?? newId();
  const token = tokens.mint(
    {
      workspaceId: s.workspaceId,
      contactId: s.contactId,
      emailId: s.emailId,
      emailVersion: 1,
      sentAt: Math.floor(Date.now() / 1000) - 3600,
      journeyId: newId(),
      tileId: 'tile-1',
      ...extra,
      messageId,
    },
    purpose ?? (extra.linkId ? 'click' : 'open'),
  );
  return { token, messageId };
}

export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

export { TopicReader } from '../support/topic-reader';

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  rawPayload: Buffer;
  body: string;
  json(): unknown;
}

/** Plain node:http against the listening service (fastify's inject cannot load under jest's CommonJS runtime). */
export function httpRequest(
  baseUrl: string,
  options: { method?: string; url: string; headers?: Record<string, string>; payload?: string | Buffer; agent?: Agent },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(options.url, baseUrl),
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const rawPayload = Buffer.concat(chunks);
          const body = rawPayload.toString('utf8');
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            rawPayload,
            body,
            json: () => JSON.parse(body),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.payload);
  });
}

/**
 * Sends the headers and 1 KB of a declared 4 MB body, and resolves with the status if the server answers before the
 * rest (0 when it has not answered within 3 s): a route that refuses before reading the body answers at once.
 */
export function answerBeforeBody(
  baseUrl: string,
  url: string,
  headers: Record<string, string>,
  firstChunk: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url, baseUrl), {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(4 << 20) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(0);
    }, 3000);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error) => (timer.hasRef() ? reject(error) : undefined));
    req.write(firstChunk.padEnd(1024, ' '));
  });
}

/**
 * `concurrency` clients on one keep-alive agent, each repeating `hit` (its n-th call by client `worker`) until
 * stopped; remembers what every hit answered for (the message ids whose events ingest accepted).
 */
export function loadGenerator(hit: (agent: Agent, worker: number, n: number) => Promise<string[]>, concurrency = 8) {
  const answered: string[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let running = true;
  const worker = async (w: number) => {
    for (let n = 0; running; n++) answered.push(...(await hit(agent, w, n)));
  };
  const done = Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return {
    answered,
    async stop() {
      running = false;
      await done;
      agent.destroy();
    },
  };
}
