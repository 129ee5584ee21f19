import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const STACK = join(ROOT, 'scripts', 'stack.sh');

/**
 * A private Kafka broker or ClickHouse server on its own ports and data folder, for fault tests that stop or
 * kill it without disturbing the shared stack other tests use.
 */
export class PrivateService {
  constructor(
    readonly service: 'kafka' | 'clickhouse',
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly address: string,
  ) {}

  private async stack(command: 'up' | 'down'): Promise<void> {
    await run('bash', [STACK, command, this.service], {
      env: { ...process.env, ...this.env, CAIRN_STACK_DIR: this.dir },
      timeout: 180_000,
    });
  }

  start(): Promise<void> {
    return this.stack('up');
  }

  /** Orderly stop (SIGTERM, then SIGKILL after 30 s). */
  stop(): Promise<void> {
    return this.stack('down');
  }

  /** SIGKILL, as a crash would. */
  kill(): void {
    const pidFile = join(this.dir, this.service, `${this.service}.pid`);
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Each call with a distinct slot (0..9) gets distinct ports. */
export function privateKafka(slot = 0): PrivateService {
  const port = 19092 + slot * 10;
  return new PrivateService(
    'kafka',
    join(ROOT, '.stack', `private-kafka-${slot}`),
    { CAIRN_KAFKA_PORT: String(port), CAIRN_KAFKA_CONTROLLER_PORT: String(port + 1), CAIRN_KAFKA_HEAP: '512m' },
    `127.0.0.1:${port}`,
  );
}

export function privateClickHouse(slot = 0): PrivateService {
  const http = 18123 + slot * 10;
  return new PrivateService(
    'clickhouse',
    join(ROOT, '.stack', `private-clickhouse-${slot}`),
    { CAIRN_CLICKHOUSE_HTTP_PORT: String(http), CAIRN_CLICKHOUSE_TCP_PORT: String(http + 1) },
    `http://127.0.0.1:${http}`,
  );
}
