// The campaign bench's processes: Cairn's services each as its own Node process, and what they and the stores use.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { createRedis } from '../lib/platform/redis/redis-connection';
import { ChildServer } from '../test/ingest/ingest-process';

/** A free loopback port for a service's /healthz listener (taken by the OS, given back at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * services/<name>/main.ts as its own process, started the way the demo starts it (node itself with tsx's loader, so
 * the child's pid is the service's and its /proc/<pid>/status is the service's memory), healthy when /healthz says so.
 */
export async function startServiceProcess(
  name: 'scheduler' | 'sender' | 'aggregator',
  healthEnv: string,
  env: Record<string, string>,
): Promise<ChildServer> {
  const port = await freePort();
  const child = new ChildServer(
    ['--import', 'tsx', `services/${name}/main.ts`],
    { CAIRN_LOG_LEVEL: 'warn', ...env, [healthEnv]: String(port) },
    `http://127.0.0.1:${port}/healthz`,
    process.execPath,
  );
  try {
    await child.start(120_000);
  } catch (error) {
    await child.stop(); // one that started but never became healthy must not outlive the bench
    throw error;
  }
  return child;
}

/** A process's peak resident set so far (VmHWM, the kernel's high-water mark), in bytes; 0 once it has exited. */
export function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Redis's own peak of used memory since it started (INFO memory used_memory_peak), and its current use. */
export async function redisMemory(redis: ReturnType<typeof createRedis>): Promise<{ used: number; peak: number }> {
  const info = await redis.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), peak: field('used_memory_peak') };
}

/**
 * Polls the size of the run's PostgreSQL database (pg_database_size: tables, indexes, TOAST) while the campaign
 * runs and keeps the largest value; PostgreSQL keeps no peak of its own.
 */
export class DatabaseSizeSampler {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly pool: Pool,
    private readonly intervalMs = 1_000,
  ) {}

  async sample(): Promise<number> {
    const { rows } = await this.pool.query<{ b: string }>('SELECT pg_database_size(current_database())::text AS b');
    const bytes = Number(rows[0]?.b ?? 0);
    this.peak = Math.max(this.peak, bytes);
    return bytes;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      this.inFlight = true;
      void this.sample()
        .catch(() => undefined)
        .finally(() => (this.inFlight = false));
    }, this.intervalMs);
  }

  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.sample();
    return this.peak;
  }
}
